#!/usr/bin/env python3
"""Generates a WordPress export (WXR 1.2) for the import benchmark.

    bench/wordpress/generate.py FILE [POSTS]   (default 100,000 posts)

20 authors, 8 categories, 60 tags, then POSTS published posts (a primary
category, 3 tags, 4-6 paragraphs with a link and an <!--more-->, an
excerpt on every third, a comment on every other, sticky every 500th),
written as a stream (memory stays flat at any size).
"""
import random, sys, time

FILE = sys.argv[1]
POSTS = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
rng = random.Random(12)
WORDS = ("minister budget council vote river harbour school market strike rail "
         "election court museum storm hospital police festival league border "
         "trade energy housing report mayor village bridge water farmers climate "
         "union airport theatre library season coast treaty summit protest").split()
CATEGORIES = ["World", "Politics", "Business", "Sport", "Culture", "Science", "Local", "Opinion"]
TAGS = [f"{a} {b}" for a, b in zip(WORDS, WORDS[7:] + WORDS[:7])][:60]
while len(TAGS) < 60:
    TAGS.append(f"topic {len(TAGS)}")

def cdata(text):
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"

def slug(text):
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())

def sentence():
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
    return " ".join(words).capitalize() + "."

out = open(FILE, "w", encoding="utf-8", buffering=1 << 20)
w = out.write
w('<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" '
  'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
  'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
  'xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
  'xmlns:dc="http://purl.org/dc/elements/1.1/" '
  'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
  '<title>Bench Gazette</title>\n<link>https://gazette.example</link>\n'
  '<description>A generated news site</description>\n<language>en-GB</language>\n'
  '<wp:wxr_version>1.2</wp:wxr_version>\n'
  '<wp:base_site_url>https://gazette.example</wp:base_site_url>\n'
  '<wp:base_blog_url>https://gazette.example</wp:base_blog_url>\n')
for a in range(1, 21):
    w(f'<wp:author><wp:author_id>{a}</wp:author_id><wp:author_login>{cdata(f"writer{a}")}</wp:author_login>'
      f'<wp:author_email>{cdata(f"writer{a}@gazette.example")}</wp:author_email>'
      f'<wp:author_display_name>{cdata(f"Writer {a}")}</wp:author_display_name></wp:author>\n')
for i, c in enumerate(CATEGORIES, 1):
    w(f'<wp:category><wp:term_id>{i}</wp:term_id><wp:category_nicename>{slug(c)}</wp:category_nicename>'
      f'<wp:category_parent></wp:category_parent><wp:cat_name>{cdata(c)}</wp:cat_name></wp:category>\n')
for i, t in enumerate(TAGS, 100):
    w(f'<wp:tag><wp:term_id>{i}</wp:term_id><wp:tag_slug>{slug(t)}</wp:tag_slug>'
      f'<wp:tag_name>{cdata(t)}</wp:tag_name></wp:tag>\n')
START = 1262304000  # 2010-01-01
for p in range(1, POSTS + 1):
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 9))).capitalize() + f" {p}"
    when = START + p * 2700
    date = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(when))
    paragraphs = ["<p>" + " ".join(sentence() for _ in range(rng.randint(2, 4))) + "</p>"
                  for _ in range(rng.randint(4, 6))]
    paragraphs.insert(1, "<!--more-->")
    paragraphs.insert(3, f'<p>More in <a href="https://gazette.example/?p={max(1, p - 7)}">an earlier story</a>.</p>')
    body = "\n\n".join(paragraphs)
    category = CATEGORIES[p % len(CATEGORIES)]
    tags = rng.sample(TAGS, 3)
    name = slug(title)
    y, m, d = date[:4], date[5:7], date[8:10]
    w('<item>\n'
      f'<title>{cdata(title)}</title>\n<link>https://gazette.example/{y}/{m}/{d}/{name}/</link>\n'
      f'<dc:creator>{cdata(f"writer{p % 20 + 1}")}</dc:creator>\n'
      f'<guid isPermaLink="false">https://gazette.example/?p={p}</guid>\n'
      f'<content:encoded>{cdata(body)}</content:encoded>\n'
      f'<excerpt:encoded>{cdata(sentence() if p % 3 == 0 else "")}</excerpt:encoded>\n'
      f'<wp:post_id>{p}</wp:post_id>\n<wp:post_date>{cdata(date)}</wp:post_date>\n'
      f'<wp:post_date_gmt>{cdata(date)}</wp:post_date_gmt>\n'
      '<wp:comment_status>open</wp:comment_status>\n<wp:ping_status>open</wp:ping_status>\n'
      f'<wp:post_name>{cdata(name)}</wp:post_name>\n<wp:status>publish</wp:status>\n'
      '<wp:post_parent>0</wp:post_parent>\n<wp:menu_order>0</wp:menu_order>\n'
      '<wp:post_type>post</wp:post_type>\n<wp:post_password></wp:post_password>\n'
      f'<wp:is_sticky>{1 if p % 500 == 0 else 0}</wp:is_sticky>\n'
      f'<category domain="category" nicename="{slug(category)}">{cdata(category)}</category>\n')
    for t in tags:
        w(f'<category domain="post_tag" nicename="{slug(t)}">{cdata(t)}</category>\n')
    if p % 2 == 0:
        w(f'<wp:comment><wp:comment_id>{p}</wp:comment_id><wp:comment_author>{cdata("A reader")}</wp:comment_author>'
          '<wp:comment_author_email>reader@example.org</wp:comment_author_email><wp:comment_author_url></wp:comment_author_url>'
          f'<wp:comment_author_IP>192.0.2.1</wp:comment_author_IP><wp:comment_date>{cdata(date)}</wp:comment_date>'
          f'<wp:comment_date_gmt>{cdata(date)}</wp:comment_date_gmt><wp:comment_content>{cdata(sentence())}</wp:comment_content>'
          '<wp:comment_approved>1</wp:comment_approved><wp:comment_type></wp:comment_type>'
          '<wp:comment_parent>0</wp:comment_parent><wp:comment_user_id>0</wp:comment_user_id></wp:comment>\n')
    w('</item>\n')
w('</channel>\n</rss>\n')
out.close()
