//! Accounts over real HTTP on both backends: the first administrator through
//! the setup link, sign-in (session renewed, cookie flags; throttling is in
//! `sign_in_throttle.rs`), logout everywhere, invitations, role changes
//! and the audit log, the admin's security headers, and cross-site refusal.

use masthead::accounts::{self, AccountError, Role};
use masthead::audit::Actor;

use crate::on_both;
use crate::support::{Backend, NOW, PASSWORD, create_user, link_path, spawn};

on_both!(
    the_setup_link_creates_the_first_administrator_once,
    signing_in_issues_a_new_session_id_with_safe_cookie_flags,
    logging_out_everywhere_ends_the_other_sessions,
    an_invited_writer_sets_a_password_and_role_changes_are_audited,
    a_disabled_account_is_signed_out_and_cannot_sign_in,
    the_last_administrator_keeps_the_role,
    rejected_settings_come_back_with_the_entered_values,
    sections_are_created_renamed_and_reordered,
);

async fn the_setup_link_creates_the_first_administrator_once(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let store = app.app.store();
    let visitor = app.session();
    assert!(accounts::needs_setup(store).await.unwrap());
    let token = accounts::create_setup_token(store, NOW).await.unwrap();
    let path = format!("/admin/setup/{}", token.plain);
    let (status, body) = visitor.get_text(&path).await;
    assert_eq!(status, 200);
    assert!(body.contains("Create the first administrator"), "{body}");

    let mismatch = [
        ("name", "Ada"),
        ("email", "ada@news.example"),
        ("password", PASSWORD),
        ("password_confirm", "other password"),
    ];
    let response = visitor.post_form(&path, &mismatch).await;
    assert_eq!(response.status(), 400);
    let body = response.text();
    assert!(
        body.contains("the two passwords differ") && body.contains("ada@news.example"),
        "{body}"
    );

    let form = [
        ("name", "Ada"),
        ("email", "Ada@News.example"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
    ];
    let response = app.session().post_form(&path, &form).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.location(), Some("/admin"));
    let cookie = response.session_cookie().expect("signed in at once");
    let (status, body) = app.with_session_cookie(&cookie).get_text("/admin").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Welcome, Ada") && body.contains("Administrator"),
        "{body}"
    );

    // The link is spent: neither the page nor a second post works.
    let visitor = app.session();
    assert_eq!(visitor.get(&path).await.status(), 404);
    let again = [
        ("name", "Eve"),
        ("email", "eve@news.example"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
    ];
    assert_eq!(visitor.post_form(&path, &again).await.status(), 404);
    // A fresh setup link is refused too, now that an administrator exists.
    let late = accounts::create_setup_token(store, NOW).await.unwrap();
    assert_eq!(
        visitor
            .get(&format!("/admin/setup/{}", late.plain))
            .await
            .status(),
        404
    );
    assert!(!accounts::needs_setup(store).await.unwrap());
    let users = accounts::list(store).await.unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(
        (users[0].email.as_str(), users[0].role),
        ("ada@news.example", Role::Admin)
    );
}

async fn signing_in_issues_a_new_session_id_with_safe_cookie_flags(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    create_user(&app, "wes@news.example", Role::Writer).await;
    let browser = app.session();
    let first = browser.sign_in("wes@news.example", PASSWORD).await;
    assert_eq!(first.status(), 303);
    let header = first.set_cookie().unwrap();
    assert!(
        header.contains("HttpOnly") && header.contains("SameSite=Lax") && header.contains("Path=/"),
        "{header}"
    );
    assert!(
        !header.contains("Secure"),
        "plain HTTP must not set Secure: {header}"
    );
    let first = first.session_cookie().unwrap();

    // Signing in again from the same browser replaces the session id.
    let second = browser.sign_in("wes@news.example", PASSWORD).await;
    let second = second.session_cookie().unwrap();
    assert_ne!(first, second);
    assert_eq!(
        app.with_session_cookie(&first).get("/admin").await.status(),
        303,
        "the old id is dead"
    );
    assert_eq!(
        app.with_session_cookie(&second)
            .get("/admin")
            .await
            .status(),
        200
    );

    // Behind an HTTPS proxy the cookie is Secure.
    let visitor = app.session();
    let https = visitor
        .send(
            visitor
                .client()
                .post(visitor.url("/admin/login"))
                .header("x-forwarded-proto", "https")
                .form(&[("email", "wes@news.example"), ("password", PASSWORD)]),
        )
        .await;
    assert!(https.set_cookie().unwrap().contains("; Secure"));

    // Admin pages are private and locked down.
    let page = app.with_session_cookie(&second).get("/admin").await;
    assert_eq!(page.header("cache-control"), Some("private, no-store"));
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains("default-src 'none'")
            && csp.contains("script-src 'self'")
            && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    // Anonymous visitors are sent to sign in, keeping where they were going.
    let anonymous = app.session().get("/admin/users?x=1").await;
    assert_eq!(anonymous.status(), 303);
    assert_eq!(
        anonymous.location(),
        Some("/admin/login?next=/admin/users%3Fx%3D1")
    );
}

async fn logging_out_everywhere_ends_the_other_sessions(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    create_user(&app, "ed@news.example", Role::Editor).await;
    let laptop = app.signed_in("ed@news.example").await;
    let phone = app.signed_in("ed@news.example").await;
    assert_eq!(phone.get("/admin").await.status(), 200);
    let body = laptop.get("/admin").await.into_text();
    assert!(body.contains("signed in on 2 devices"), "{body}");

    let out = laptop.post("/admin/logout-everywhere").await;
    assert_eq!(out.status(), 303);
    assert_eq!(
        out.location(),
        Some("/admin/login?notice=logged_out_everywhere")
    );
    for session in [&laptop, &phone] {
        let response = session.get("/admin").await;
        assert_eq!(response.status(), 303);
        assert!(response.location().unwrap().starts_with("/admin/login"));
    }
    // A plain logout ends only that session.
    let a = app.signed_in("ed@news.example").await;
    let b = app.signed_in("ed@news.example").await;
    assert_eq!(a.post("/admin/logout").await.status(), 303);
    assert_eq!(a.get("/admin").await.status(), 303);
    assert_eq!(b.get("/admin").await.status(), 200);
}

async fn an_invited_writer_sets_a_password_and_role_changes_are_audited(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let (_, admin) = app.session_as(Role::Admin).await;
    let form = [
        ("name", "Wanda Writer"),
        ("email", "wanda@news.example"),
        ("role", "writer"),
    ];
    let response = admin.post_form("/admin/users", &form).await;
    assert_eq!(response.status(), 200);
    let body = response.text();
    let path = link_path(body, "/admin/password/").expect("the page shows the invitation link");
    assert!(body.contains("Wanda Writer is invited as Writer"), "{body}");

    // Inviting the same email again is refused, with the form kept.
    let again = admin.post_form("/admin/users", &form).await;
    assert_eq!(again.status(), 409);
    assert!(
        again
            .text()
            .contains("an account for wanda@news.example already exists")
    );

    let wanda = app.session();
    assert_eq!(
        wanda.sign_in("wanda@news.example", PASSWORD).await.status(),
        401,
        "no password yet"
    );
    assert_eq!(wanda.get(&path).await.status(), 200);
    let short = wanda
        .post_form(
            &path,
            &[("password", "short"), ("password_confirm", "short")],
        )
        .await;
    assert_eq!(short.status(), 400);
    let set = wanda
        .post_form(
            &path,
            &[("password", PASSWORD), ("password_confirm", PASSWORD)],
        )
        .await;
    assert_eq!(set.status(), 303);
    assert_eq!(wanda.get(&path).await.status(), 404, "the link works once");
    assert_eq!(
        wanda.sign_in("wanda@news.example", PASSWORD).await.status(),
        303
    );
    assert_eq!(wanda.get("/admin/users").await.status(), 403);

    let id = accounts::find_by_email(app.app.store(), "wanda@news.example")
        .await
        .unwrap()
        .id;
    let changed = admin
        .post_form(&format!("/admin/users/{id}/role"), &[("role", "editor")])
        .await;
    assert_eq!(changed.status(), 303);
    // The new role applies to the session she already has.
    assert_eq!(wanda.get("/admin/sections").await.status(), 200);

    let log = admin.get("/admin/audit").await.into_text();
    let role_change = log.find("user.role_changed").expect("role change logged");
    let created = log.find("user.created").expect("creation logged");
    assert!(role_change < created, "newest first");
    assert!(
        log.contains("&quot;from&quot;:&quot;writer&quot;")
            && log.contains("&quot;to&quot;:&quot;editor&quot;"),
        "{log}"
    );
    assert!(
        log.contains("admin &lt;admin@news.example&gt;"),
        "the actor is named"
    );
}

async fn a_disabled_account_is_signed_out_and_cannot_sign_in(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let (_, admin) = app.session_as(Role::Admin).await;
    let (writer, writer_session) = app.session_as(Role::Writer).await;
    let response = admin
        .post(&format!("/admin/users/{}/disable", writer.id))
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(writer_session.get("/admin").await.status(), 303);
    let refused = app.session().sign_in("writer@news.example", PASSWORD).await;
    assert_eq!(refused.status(), 401);
    assert!(refused.text().contains("this account is disabled"));
    admin
        .post(&format!("/admin/users/{}/enable", writer.id))
        .await;
    assert_eq!(
        app.session()
            .sign_in("writer@news.example", PASSWORD)
            .await
            .status(),
        303
    );
}

async fn the_last_administrator_keeps_the_role(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let store = app.app.store();
    let (admin, session) = app.session_as(Role::Admin).await;
    let cli = Actor::command_line();
    assert!(matches!(
        accounts::set_role(store, &cli, admin.id, Role::Editor, NOW).await,
        Err(AccountError::LastAdmin)
    ));
    assert!(matches!(
        accounts::set_disabled(store, &cli, admin.id, true, NOW).await,
        Err(AccountError::LastAdmin)
    ));
    // Nobody changes their own role from the admin, either.
    let own = session
        .post_form(
            &format!("/admin/users/{}/role", admin.id),
            &[("role", "writer")],
        )
        .await;
    assert_eq!(own.status(), 409);
    let second = create_user(&app, "second@news.example", Role::Admin).await;
    accounts::set_role(store, &cli, admin.id, Role::Editor, NOW)
        .await
        .unwrap();
    assert_eq!(
        accounts::list(store)
            .await
            .unwrap()
            .iter()
            .find(|u| u.id == second.id)
            .unwrap()
            .role,
        Role::Admin
    );
}

fn settings_form<'a>(name: &'a str, time_zone: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("name", name),
        ("base_url", "https://news.example"),
        ("language", "en"),
        ("time_zone", time_zone),
        ("date_short", "d/m/Y - H:i"),
        ("date_medium", "D, d/m/Y - H:i"),
        ("date_long", "l, F j, Y - H:i"),
        ("custom_formats", "iso = Y-m-d\n"),
        ("teaser_length", "90"),
    ]
}

async fn rejected_settings_come_back_with_the_entered_values(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let (_, admin) = app.session_as(Role::Admin).await;
    let bad = admin
        .post_form(
            "/admin/settings",
            &settings_form("The Evening Post", "Mars/Olympus"),
        )
        .await;
    assert_eq!(bad.status(), 400);
    let body = bad.text();
    assert!(
        body.contains("Mars/Olympus")
            && body.contains("value=\"The Evening Post\"")
            && body.contains("iso = Y-m-d"),
        "{body}"
    );
    assert!(body.contains("role=\"alert\""), "{body}");
    let site = masthead::site::Site::load(app.app.store()).await.unwrap();
    assert_eq!(site.name, "The Daily Masthead", "nothing saved");

    let good = admin
        .post_form(
            "/admin/settings",
            &settings_form("The Evening Post", "America/New_York"),
        )
        .await;
    assert_eq!(good.status(), 303);
    let site = masthead::site::Site::load(app.app.store()).await.unwrap();
    assert_eq!(
        (
            site.name.as_str(),
            site.time_zone_name.as_str(),
            site.teaser_length
        ),
        ("The Evening Post", "America/New_York", 90)
    );
    assert_eq!(site.date_formats["iso"], "Y-m-d");
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("The Evening Post"));
}

async fn sections_are_created_renamed_and_reordered(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, editor) = app.session_as(Role::Editor).await;
    let created = editor
        .post_form("/admin/sections", &[("name", "Local News"), ("slug", "")])
        .await;
    assert_eq!(created.status(), 303);
    let taken = editor
        .post_form("/admin/sections", &[("name", "Local News"), ("slug", "")])
        .await;
    assert_eq!(taken.status(), 409);
    let names = |store: masthead::storage::Store| async move {
        masthead::sections::list(&store)
            .await
            .unwrap()
            .into_iter()
            .map(|s| (s.slug, s.name))
            .collect::<Vec<_>>()
    };
    let before = names(app.app.store().clone()).await;
    assert_eq!(
        before.last().unwrap(),
        &("local-news".to_owned(), "Local News".to_owned())
    );
    let id = masthead::sections::find(app.app.store(), "local-news")
        .await
        .unwrap()
        .unwrap()
        .id;
    editor
        .post_form(&format!("/admin/sections/{id}"), &[("name", "City")])
        .await;
    let moved = editor
        .post_form(
            &format!("/admin/sections/{id}/move"),
            &[("direction", "up")],
        )
        .await;
    assert_eq!(moved.status(), 303);
    let after = names(app.app.store().clone()).await;
    let n = after.len();
    assert_eq!(
        after[n - 2],
        ("local-news".to_owned(), "City".to_owned()),
        "renamed, address kept, one place up"
    );
    assert_eq!(after[n - 1], before[n - 2]);
    let (_, front) = app.get_text("/local-news").await;
    assert!(front.contains("City"));
}

fn masthead(data: &std::path::Path) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_masthead"));
    command
        .arg("--data-dir")
        .arg(data)
        .env_remove("MASTHEAD_DATABASE_URL");
    command
}

fn run_with_stdin(mut command: std::process::Command, input: &str) -> (bool, String, String) {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Starts `masthead serve` and returns the setup link it prints.
fn setup_link_of_a_start(data: &std::path::Path) -> String {
    use std::io::BufRead;
    let mut child = masthead(data)
        .args(["serve", "--listen", "127.0.0.1:0", "--no-demo"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut link = None;
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(at) = line.find("http://") {
            link = Some(line[at..].trim().to_owned());
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    link.expect("serve prints the setup link")
}

#[test]
fn the_first_start_prints_a_setup_link_at_each_start_until_an_administrator_exists() {
    let dir = tempfile::tempdir().unwrap();
    let first = setup_link_of_a_start(dir.path());
    assert!(link_path(&first, "/admin/setup/").is_some(), "{first}");
    assert!(first.starts_with("http://127.0.0.1:"), "{first}");
    let second = setup_link_of_a_start(dir.path());
    assert_ne!(
        link_path(&first, "/admin/setup/"),
        link_path(&second, "/admin/setup/")
    );
}

#[test]
fn the_user_command_adds_lists_disables_and_resets_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let mut add = masthead(dir.path());
    add.args([
        "user",
        "add",
        "--email",
        "Ada@News.example",
        "--name",
        "Ada",
        "--role",
        "admin",
        "--password-stdin",
    ]);
    let (ok, stdout, stderr) = run_with_stdin(add, &format!("{PASSWORD}\n"));
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("created ada@news.example (Ada) as admin"),
        "{stdout}"
    );

    let output = masthead(dir.path())
        .args([
            "user",
            "add",
            "--email",
            "wes@news.example",
            "--name",
            "Wes",
            "--role",
            "writer",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    assert!(
        link_path(&stdout, "/admin/password/").is_some(),
        "an invitation link: {stdout}"
    );

    let output = masthead(dir.path())
        .args([
            "user",
            "add",
            "--email",
            "x@news.example",
            "--name",
            "X",
            "--role",
            "owner",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown role \"owner\""));

    let list = masthead(dir.path())
        .args(["user", "list"])
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.contains("ada@news.example\tadmin\tactive\tAda"),
        "{list}"
    );
    assert!(
        list.contains("wes@news.example\twriter\tinvited\tWes"),
        "{list}"
    );

    let disable = masthead(dir.path())
        .args(["user", "disable", "wes@news.example"])
        .output()
        .unwrap();
    assert!(disable.status.success());
    let last = masthead(dir.path())
        .args(["user", "disable", "ada@news.example"])
        .output()
        .unwrap();
    assert!(!last.status.success(), "the last administrator stays");
    let list = masthead(dir.path())
        .args(["user", "list"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&list.stdout).contains("wes@news.example\twriter\tdisabled"));

    let reset = masthead(dir.path())
        .args(["user", "reset-password", "ada@news.example"])
        .output()
        .unwrap();
    assert!(link_path(&String::from_utf8_lossy(&reset.stdout), "/admin/password/").is_some());
    let mut reset = masthead(dir.path());
    reset.args([
        "user",
        "reset-password",
        "ada@news.example",
        "--password-stdin",
    ]);
    let (ok, stdout, stderr) = run_with_stdin(reset, "a brand new password\n");
    assert!(
        ok && stdout.contains("set a new password for ada@news.example"),
        "{stdout}{stderr}"
    );
    let missing = masthead(dir.path())
        .args(["user", "disable", "nobody@news.example"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("no account for nobody@news.example")
    );
}
