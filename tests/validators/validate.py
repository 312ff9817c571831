#!/usr/bin/env python3
"""Independent validators for masthead's output, called by tests/it/distribution.rs.

  validate.py feed <file>               RSS or Atom with feedparser: fails on any
                                        parse error (bozo); prints what it parsed as JSON
  validate.py jsonschema <schema> <file> JSON against a JSON Schema (draft 2020-12,
                                        formats checked); prints the document back
  validate.py jsonld <schema> <html>    every <script type="application/ld+json"> block
                                        of a page parsed and validated; prints them

Exit status 0 when valid; 1 with the errors on stderr otherwise.
"""
import html.parser
import json
import sys

import feedparser
import jsonschema


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def feed(path):
    with open(path, "rb") as f:
        data = f.read()
    parsed = feedparser.parse(data)
    if parsed.bozo:
        fail(f"{path}: {parsed.bozo_exception!r}")
    if parsed.version not in ("rss20", "atom10"):
        fail(f"{path}: not RSS 2.0 or Atom 1.0 but {parsed.version!r}")
    out = {
        "version": parsed.version,
        "title": parsed.feed.get("title"),
        "link": parsed.feed.get("link"),
        "links": [dict(l) for l in parsed.feed.get("links", [])],
        "entries": [],
    }
    for e in parsed.entries:
        out["entries"].append({
            "id": e.get("id"),
            "title": e.get("title"),
            "link": e.get("link"),
            "published": e.get("published"),
            "published_parsed": list(e.published_parsed[:6]) if e.get("published_parsed") else None,
            "updated_parsed": list(e.updated_parsed[:6]) if e.get("updated_parsed") else None,
            "authors": [a.get("name") for a in e.get("authors", [])],
            "tags": [t.get("term") for t in e.get("tags", [])],
            "summary": e.get("summary"),
            "content": [c.get("value") for c in e.get("content", [])],
            "media": [m.get("url") for m in e.get("media_content", [])],
            "enclosures": [l.get("href") for l in e.get("links", []) if l.get("rel") == "enclosure"],
        })
    print(json.dumps(out))


def validator(schema_path):
    with open(schema_path) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def check(v, document, where):
    errors = sorted(v.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        fail("\n".join(f"{where}: {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors))


def json_schema(schema_path, path):
    v = validator(schema_path)
    with open(path) as f:
        document = json.load(f)
    check(v, document, path)
    print(json.dumps(document))


class LdJson(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.blocks = []
        self.inside = False

    def handle_starttag(self, tag, attrs):
        if tag == "script" and dict(attrs).get("type") == "application/ld+json":
            self.inside = True
            self.blocks.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self.inside = False

    def handle_data(self, data):
        if self.inside:
            self.blocks[-1] += data


def jsonld(schema_path, path):
    v = validator(schema_path)
    parser = LdJson()
    with open(path, encoding="utf-8") as f:
        parser.feed(f.read())
    documents = []
    for i, block in enumerate(parser.blocks):
        try:
            document = json.loads(block)
        except json.JSONDecodeError as e:
            fail(f"{path}: JSON-LD block {i}: {e}")
        check(v, document, f"{path}: JSON-LD block {i}")
        documents.append(document)
    print(json.dumps(documents))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"feed": feed, "jsonschema": json_schema, "jsonld": jsonld}[command](*args)
