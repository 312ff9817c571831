//! Issue 10, item 5: the sign-in `next` parameter. A value that is not an
//! admin page of this site (another host, a line break that would split the
//! `Location` header) sends the user to the dashboard, never to an error
//! page or off the site.

use masthead::accounts::Role;

use crate::support::{Backend, spawn};
use crate::support::{PASSWORD, create_user};

/// `next` values as an attacker sends them (already percent-decoded where
/// the query string carries them encoded).
const UNSAFE: &[(&str, &str)] = &[
    ("/admin%0d%0aSet-Cookie:%20x=1", "/admin\r\nSet-Cookie: x=1"),
    ("/admin%0aX-Evil:%201", "/admin\nX-Evil: 1"),
    ("%0d%0a", "\r\n"),
    ("%0a", "\n"),
    ("//evil.example", "//evil.example"),
    ("https://evil.example", "https://evil.example"),
    ("/\\evil", "/\\evil"),
    ("/admin.evil.example", "/admin.evil.example"),
    ("/admin/%5C%5Cevil", "/admin/\\\\evil"),
];

#[tokio::test]
async fn an_unsafe_next_after_sign_in_goes_to_the_dashboard() {
    let Some(app) = spawn(Backend::Sqlite, false).await else {
        return;
    };
    create_user(&app, "ed@news.example", Role::Editor).await;

    for (encoded, decoded) in UNSAFE {
        // Signing in with the form.
        let browser = app.session();
        let response = browser
            .post_form(
                "/admin/login",
                &[
                    ("email", "ed@news.example"),
                    ("password", PASSWORD),
                    ("next", decoded),
                ],
            )
            .await;
        assert_eq!(response.status(), 303, "sign-in with next={encoded:?}");
        assert_eq!(response.location(), Some("/admin"), "next={encoded:?}");

        // Already signed in: the login page redirects at once.
        let again = browser.get(&format!("/admin/login?next={encoded}")).await;
        assert_eq!(
            again.status(),
            303,
            "signed-in login page, next={encoded:?}"
        );
        assert_eq!(again.location(), Some("/admin"), "next={encoded:?}");

        // Signed out: the form carries the safe default, not the value.
        let page = app
            .session()
            .get(&format!("/admin/login?next={encoded}"))
            .await;
        assert_eq!(page.status(), 200, "login page, next={encoded:?}");
        let html = page.text();
        assert!(
            !html.contains("evil") && !html.contains("X-Evil") && !html.contains("Set-Cookie"),
            "the login form must not carry next={encoded:?}"
        );
    }

    // A real admin page still comes back after signing in.
    let response = app
        .session()
        .post_form(
            "/admin/login",
            &[
                ("email", "ed@news.example"),
                ("password", PASSWORD),
                ("next", "/admin/users?x=1"),
            ],
        )
        .await;
    assert_eq!(response.location(), Some("/admin/users?x=1"));
}
