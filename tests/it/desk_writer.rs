//! A newsroom editor at work over HTTP for the crash test: signs in with a
//! real session, then creates, publishes and edits stories through the story
//! desk's forms (same-origin, as a browser sends them) against whichever
//! server is up, and keeps a ledger of what the server acknowledged (a 303
//! to the editor) and of what it may or may not have done (no answer).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use masthead::articles::Status;
use masthead::storage::Store;

pub const EMAIL: &str = "desk@crash.example";
pub const PASSWORD: &str = "crash-test-password-4471";

/// What the ledger knows of one story created through the desk.
#[derive(Debug, Default)]
struct DeskStory {
    /// The headline acknowledged last, then every headline sent since
    /// without an answer: the story's headline is one of these.
    possible: Vec<String>,
    /// The revision the last acknowledged write made at least.
    revision: i64,
    published: bool,
}

/// Every story the server acknowledged creating, by id.
#[derive(Debug, Default)]
pub struct Ledger {
    stories: HashMap<i64, DeskStory>,
    pub attempted: u64,
    pub acknowledged: u64,
}

/// The writer: the base URL of the server that is up now (changed by the
/// test on every restart) and a stop flag.
#[derive(Clone)]
pub struct Desk {
    pub base: Arc<Mutex<String>>,
    pub stop: Arc<AtomicBool>,
}

fn client() -> reqwest::Client {
    masthead::outbound::install_tls_provider();
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Between `start` and `end` in `text`, after `after`.
fn between<'a>(text: &'a str, after: &str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &text[text.find(after)?..];
    let rest = &rest[rest.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}

impl Desk {
    fn base(&self) -> String {
        self.base.lock().unwrap().clone()
    }

    /// A same-origin form post, as a browser sends it; `Some(location)` for
    /// a 303 to the story desk (acknowledged), `None` otherwise.
    async fn post(&self, client: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> Post {
        let base = self.base();
        let response = client
            .post(format!("{base}{path}"))
            .header("origin", &base)
            .header("sec-fetch-site", "same-origin")
            .form(form)
            .send()
            .await;
        match response {
            Err(_) => Post::NoAnswer,
            Ok(r) if r.status() == 303 => {
                let location = r.headers()["location"].to_str().unwrap().to_owned();
                if location.starts_with("/admin/stories/") {
                    Post::Done(location)
                } else {
                    Post::SignedOut
                }
            }
            Ok(r) => Post::Refused(r.status().as_u16()),
        }
    }

    async fn get(&self, client: &reqwest::Client, path: &str) -> Option<String> {
        let response = client
            .get(format!("{}{path}", self.base()))
            .send()
            .await
            .ok()?;
        if response.status() != 200 {
            return None;
        }
        response.text().await.ok()
    }

    async fn sign_in(&self, client: &reqwest::Client) -> bool {
        let base = self.base();
        let response = client
            .post(format!("{base}/admin/login"))
            .header("origin", &base)
            .header("sec-fetch-site", "same-origin")
            .form(&[("email", EMAIL), ("password", PASSWORD)])
            .send()
            .await;
        response.is_ok_and(|r| r.status() == 303)
    }

    /// Writes until told to stop; returns the ledger.
    pub async fn run(self) -> Ledger {
        let mut ledger = Ledger::default();
        let mut client = client();
        let mut signed_in = false;
        let mut step = 0u64;
        let mut section = None;
        while !self.stop.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(5)).await;
            if !signed_in {
                client = self::client();
                signed_in = self.sign_in(&client).await;
                continue;
            }
            let Some(section_id) = section.clone() else {
                section = match self.get(&client, "/admin/stories/new").await {
                    Some(html) => between(&html, "id=\"section\"", "<option value=\"", "\"")
                        .map(str::to_owned),
                    None => None,
                };
                continue;
            };
            step += 1;
            let unpublished: Vec<i64> = ledger
                .stories
                .iter()
                .filter(|(_, s)| !s.published)
                .map(|(id, _)| *id)
                .collect();
            let outcome = match (step % 3, unpublished.first(), ledger.stories.len()) {
                (1, Some(&id), _) => self.publish(&client, &mut ledger, id).await,
                (2, _, n) if n > 0 => {
                    let id = *ledger.stories.keys().nth(step as usize % n).unwrap();
                    self.edit(&client, &mut ledger, id, &section_id, step).await
                }
                _ => self.create(&client, &mut ledger, &section_id, step).await,
            };
            if let Some(Post::SignedOut) = outcome {
                signed_in = false;
            }
            if let Some(Post::Refused(status)) = outcome {
                panic!("the story desk refused a write with {status}");
            }
        }
        ledger
    }

    async fn create(
        &self,
        client: &reqwest::Client,
        ledger: &mut Ledger,
        section: &str,
        step: u64,
    ) -> Option<Post> {
        let headline = format!("Desk story {step}");
        let body = format!("The body of desk story {step}.");
        ledger.attempted += 1;
        let answer = self
            .post(
                client,
                "/admin/stories",
                &[
                    ("headline", &headline),
                    ("body", &body),
                    ("section", section),
                    ("message", "crash test"),
                ],
            )
            .await;
        if let Post::Done(location) = &answer {
            let id: i64 = location
                .trim_start_matches("/admin/stories/")
                .split('?')
                .next()?
                .parse()
                .ok()?;
            ledger.acknowledged += 1;
            ledger.stories.insert(
                id,
                DeskStory {
                    possible: vec![headline],
                    revision: 1,
                    published: false,
                },
            );
        }
        Some(answer)
    }

    async fn publish(
        &self,
        client: &reqwest::Client,
        ledger: &mut Ledger,
        id: i64,
    ) -> Option<Post> {
        ledger.attempted += 1;
        let answer = self
            .post(client, &format!("/admin/stories/{id}/publish"), &[])
            .await;
        match answer {
            Post::Done(_) => {
                ledger.acknowledged += 1;
                let story = ledger.stories.get_mut(&id)?;
                story.published = true;
                story.revision += 1;
            }
            // A publication sent before a kill happened after all: the story
            // is published already (the test never unpublishes).
            Post::Refused(409) => {
                ledger.stories.get_mut(&id)?.published = true;
                return Some(Post::NoAnswer);
            }
            _ => {}
        }
        Some(answer)
    }

    async fn edit(
        &self,
        client: &reqwest::Client,
        ledger: &mut Ledger,
        id: i64,
        section: &str,
        step: u64,
    ) -> Option<Post> {
        // The revision as it is now: an unanswered write may have happened.
        let html = self.get(client, &format!("/admin/stories/{id}")).await?;
        let revision: i64 = between(&html, "name=\"revision\"", "value=\"", "\"")?
            .parse()
            .ok()?;
        let headline = format!("Desk story {id}, edit {step}");
        ledger.attempted += 1;
        ledger.stories.get_mut(&id)?.possible.push(headline.clone());
        let answer = self
            .post(
                client,
                &format!("/admin/stories/{id}"),
                &[
                    ("headline", headline.as_str()),
                    ("body", "An edited body."),
                    ("section", section),
                    ("revision", &revision.to_string()),
                    ("update_kind", "editorial"),
                    ("message", "crash test edit"),
                ],
            )
            .await;
        if let Post::Done(_) = answer {
            ledger.acknowledged += 1;
            let story = ledger.stories.get_mut(&id)?;
            story.possible = vec![headline];
            story.revision = revision + 1;
        }
        Some(answer)
    }
}

/// The answer to a write.
#[derive(Debug)]
enum Post {
    Done(String),
    NoAnswer,
    SignedOut,
    Refused(u16),
}

impl Ledger {
    /// Every acknowledged write is in the database: each story exists with
    /// one of its possible headlines, at least at the acknowledged revision,
    /// and published when its publication was acknowledged.
    pub async fn verify(&self, store: &Store) {
        for (id, expected) in &self.stories {
            let story = masthead::articles::find(store, *id)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("acknowledged story {id} is gone"));
            assert!(
                expected.possible.contains(&story.headline),
                "story {id} is {:?}, acknowledged as one of {:?}",
                story.headline,
                expected.possible
            );
            assert!(
                story.revision >= expected.revision,
                "story {id} is at revision {}, acknowledged at {}",
                story.revision,
                expected.revision
            );
            if expected.published {
                assert_eq!(story.status, Status::Published, "story {id}");
            }
        }
    }
}
