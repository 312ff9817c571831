#!/usr/bin/env python3
"""Generates a Drupal 7 news site into MariaDB for the import benchmark.

    bench/drupal7/generate.py DATABASE [NODES]   (default 100,000 nodes)

Drupal 7's tables (tests/fixtures/drupal7/schema.sql), then NODES articles
with 3 revisions each (body, section and tags field revisions), 50 tags in
5 parent tags, 5 sections, 20 users, a url_alias per node and a comment on
every other node. Rows go in as multi-row INSERTs through the mariadb
client, 1,000 rows a statement.
"""
import os, subprocess, sys

DB = sys.argv[1]
NODES = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, '..', '..', 'tests', 'fixtures', 'drupal7', 'schema.sql')

def q(v):
    if v is None: return 'NULL'
    if isinstance(v, int): return str(v)
    return "'" + str(v).replace('\\', '\\\\').replace("'", "\\'") + "'"

client = subprocess.Popen(['mariadb', '-h', '127.0.0.1', '-u', 'root'], stdin=subprocess.PIPE, text=True)
out = client.stdin
out.write(f'DROP DATABASE IF EXISTS `{DB}`; CREATE DATABASE `{DB}` CHARACTER SET utf8mb4; USE `{DB}`;\n')
out.write(open(SCHEMA).read())
out.write("SET autocommit=0; SET unique_checks=0; SET foreign_key_checks=0;\n")

def insert(table, cols, rows):
    batch = []
    for r in rows:
        batch.append('(' + ','.join(q(v) for v in r) + ')')
        if len(batch) == 1000:
            out.write(f"INSERT INTO `{table}` ({','.join(cols)}) VALUES {','.join(batch)};\n"); batch = []
    if batch:
        out.write(f"INSERT INTO `{table}` ({','.join(cols)}) VALUES {','.join(batch)};\n")

insert('system', ['filename', 'name', 'type', 'status', 'schema_version', 'info'],
       [('modules/system/system.module', 'system', 'module', 1, 7080, 'a:0:{}')])
insert('variable', ['name', 'value'], [('site_name', 's:10:"Bench News";'), ('date_default_timezone', 's:13:"Europe/Berlin";')])
insert('node_type', ['type', 'name', 'base', 'module', 'description', 'help', 'has_title'],
       [('article', 'Article', 'node_content', 'node', '', '', 1)])
insert('role', ['rid', 'name', 'weight'], [(3, 'administrator', 2), (4, 'editor', 3), (5, 'reporter', 4)])
PASS = '$S$DXy9aB3cDBg7x5NqGJ6cgbYZbQ7M/1IoRQAMRqIAScW1s.vqS3yY'
insert('users', ['uid', 'name', 'pass', 'mail', 'status', 'created', 'data'],
       [(0, '', '', '', 0, 0, None)] + [(u, f'writer{u}', PASS, f'writer{u}@bench.example', 1, 1420070400, 'b:0;') for u in range(1, 21)])
insert('users_roles', ['uid', 'rid'], [(u, 5 if u > 2 else 3 + u % 2) for u in range(1, 21)])
insert('taxonomy_vocabulary', ['vid', 'name', 'machine_name', 'description', 'hierarchy', 'module'],
       [(1, 'Tags', 'tags', '', 1, 'taxonomy'), (2, 'Sections', 'sections', '', 0, 'taxonomy')])
terms = [(t, 1, f'Tag {t}') for t in range(1, 56)] + [(100 + s, 2, f'Section {s}') for s in range(5)]
insert('taxonomy_term_data', ['tid', 'vid', 'name', 'description', 'weight'], [(t, v, n, '', 0) for t, v, n in terms])
insert('taxonomy_term_hierarchy', ['tid', 'parent'], [(t, 0 if t <= 5 or v == 2 else 1 + t % 5) for t, v, _ in terms])
fields = [('body', 'text_with_summary', 'text'), ('field_section', 'taxonomy_term_reference', 'taxonomy'), ('field_tags', 'taxonomy_term_reference', 'taxonomy')]
insert('field_config', ['id', 'field_name', 'type', 'module', 'active', 'storage_type', 'storage_module', 'storage_active', 'data', 'cardinality'],
       [(i + 1, n, t, m, 1, 'field_sql_storage', 'field_sql_storage', 1, 'a:0:{}', 1) for i, (n, t, m) in enumerate(fields)])
insert('field_config_instance', ['id', 'field_id', 'field_name', 'entity_type', 'bundle', 'data'],
       [(i + 1, i + 1, n, 'node', 'article', 'a:0:{}') for i, (n, _, _) in enumerate(fields)])

PARA = ('The council met on Monday to discuss the budget for the coming year, and members '
        'said the talks would go on for several weeks before any decision. ')
def nodes():
    for n in range(1, NODES + 1):
        yield n
base = 1262304000
fc = ['entity_type', 'bundle', 'deleted', 'entity_id', 'revision_id', 'language', 'delta']
insert('node', ['nid', 'vid', 'type', 'language', 'title', 'uid', 'status', 'created', 'changed', 'comment', 'promote', 'sticky', 'tnid'],
       ((n, n * 3, 'article', 'und', f'Story number {n} of the bench', 1 + n % 20, 1, base + n * 600, base + n * 600 + 7200, 2, 1, 0, 0) for n in nodes()))
insert('node_revision', ['nid', 'vid', 'uid', 'title', 'log', 'timestamp', 'status', 'comment', 'promote', 'sticky'],
       ((n, n * 3 - 2 + r, 1 + (n + r) % 20, f'Story number {n} of the bench', f'Revision {r + 1}', base + n * 600 + r * 3600, 1, 2, 1, 0) for n in nodes() for r in range(3)))
for table in ('field_revision_body', 'field_data_body'):
    revs = range(3) if 'revision' in table else [2]
    insert(table, fc + ['body_value', 'body_summary', 'body_format'],
           (('node', 'article', 0, n, n * 3 - 2 + r, 'und', 0, '<p>' + PARA * (r + 2) + '</p>', '', 'filtered_html') for n in nodes() for r in revs))
for table in ('field_revision_field_section', 'field_data_field_section'):
    revs = range(3) if 'revision' in table else [2]
    insert(table, fc + ['field_section_tid'], (('node', 'article', 0, n, n * 3 - 2 + r, 'und', 0, 100 + n % 5) for n in nodes() for r in revs))
for table in ('field_revision_field_tags', 'field_data_field_tags'):
    revs = range(3) if 'revision' in table else [2]
    insert(table, fc + ['field_tags_tid'], (('node', 'article', 0, n, n * 3 - 2 + r, 'und', d, 6 + (n + d * 7) % 50) for n in nodes() for r in revs for d in range(2)))
insert('url_alias', ['source', 'alias', 'language'], ((f'node/{n}', f'news/story-{n}', 'und') for n in nodes()))
insert('comment', ['cid', 'pid', 'nid', 'uid', 'subject', 'hostname', 'created', 'changed', 'status', 'thread', 'name', 'mail', 'homepage', 'language'],
       ((n // 2 + 1, 0, n, 0, 'A reader writes', '127.0.0.1', base + n * 600 + 100, base + n * 600 + 100, 1, '01/', 'Reader', 'reader@example.com', '', 'und') for n in nodes() if n % 2 == 0))
out.write('COMMIT;\n')
out.close()
sys.exit(client.wait())
