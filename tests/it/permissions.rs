//! The permission matrix: every admin route × {anonymous, writer, editor,
//! administrator} answers exactly the status its role allows. The table is
//! data: other suites add their routes as another `&[Route]` and call
//! [`check`] with it. Also: cross-site state-changing requests are refused.

use masthead::accounts::Role;

use crate::on_both;
use crate::support::{Backend, PASSWORD, Session, TestApp, create_user, spawn};

/// One route and the status each kind of visitor gets:
/// `[anonymous, writer, editor, admin]`. In `path` and form values,
/// `{user}` is the id of a writer nobody signs in as, `{section}` the id of
/// an existing section, `{role}` the visitor's role.
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub form: &'static [(&'static str, &'static str)],
    pub expect: [u16; 4],
}

const SEE_OTHER: u16 = 303;

/// The accounts and admin-shell routes. Rows run top to bottom for each
/// visitor, so rows that end sessions come last.
pub const ACCOUNTS_ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path: "/admin",
        form: &[],
        expect: [SEE_OTHER, 200, 200, 200],
    },
    Route {
        method: "GET",
        path: "/admin/login",
        form: &[],
        expect: [200, SEE_OTHER, SEE_OTHER, SEE_OTHER],
    },
    Route {
        method: "GET",
        path: "/admin/setup/00",
        form: &[],
        expect: [404, 404, 404, 404],
    },
    Route {
        method: "GET",
        path: "/admin/password/00",
        form: &[],
        expect: [404, 404, 404, 404],
    },
    Route {
        method: "GET",
        path: "/admin/users",
        form: &[],
        expect: [SEE_OTHER, 403, 403, 200],
    },
    Route {
        method: "POST",
        path: "/admin/users",
        form: &[
            ("name", "New {role}"),
            ("email", "new-{role}@news.example"),
            ("role", "writer"),
        ],
        expect: [SEE_OTHER, 403, 403, 200],
    },
    Route {
        method: "POST",
        path: "/admin/users/{user}/role",
        form: &[("role", "writer")],
        expect: [SEE_OTHER, 403, 403, SEE_OTHER],
    },
    Route {
        method: "POST",
        path: "/admin/users/{user}/disable",
        form: &[],
        expect: [SEE_OTHER, 403, 403, SEE_OTHER],
    },
    Route {
        method: "POST",
        path: "/admin/users/{user}/enable",
        form: &[],
        expect: [SEE_OTHER, 403, 403, SEE_OTHER],
    },
    Route {
        method: "POST",
        path: "/admin/users/{user}/reset",
        form: &[],
        expect: [SEE_OTHER, 403, 403, 200],
    },
    Route {
        method: "GET",
        path: "/admin/sections",
        form: &[],
        expect: [SEE_OTHER, 403, 200, 200],
    },
    Route {
        method: "POST",
        path: "/admin/sections",
        form: &[("name", "Desk {role}")],
        expect: [SEE_OTHER, 403, SEE_OTHER, SEE_OTHER],
    },
    Route {
        method: "POST",
        path: "/admin/sections/{section}",
        form: &[("name", "World")],
        expect: [SEE_OTHER, 403, SEE_OTHER, SEE_OTHER],
    },
    Route {
        method: "POST",
        path: "/admin/sections/{section}/move",
        form: &[("direction", "down")],
        expect: [SEE_OTHER, 403, SEE_OTHER, SEE_OTHER],
    },
    Route {
        method: "GET",
        path: "/admin/settings",
        form: &[],
        expect: [SEE_OTHER, 403, 403, 200],
    },
    Route {
        method: "POST",
        path: "/admin/settings",
        form: &[
            ("name", "The Daily Masthead"),
            ("base_url", "http://news.example"),
            ("language", "en"),
            ("time_zone", "Europe/Berlin"),
            ("date_short", "d/m/Y - H:i"),
            ("date_medium", "D, d/m/Y - H:i"),
            ("date_long", "l, F j, Y - H:i"),
            ("custom_formats", ""),
            ("teaser_length", "116"),
        ],
        expect: [SEE_OTHER, 403, 403, SEE_OTHER],
    },
    Route {
        method: "GET",
        path: "/admin/audit",
        form: &[],
        expect: [SEE_OTHER, 403, 403, 200],
    },
    Route {
        method: "GET",
        path: "/admin/audit?before=5",
        form: &[],
        expect: [SEE_OTHER, 403, 403, 200],
    },
    Route {
        method: "POST",
        path: "/admin/logout-everywhere",
        form: &[],
        expect: [SEE_OTHER, SEE_OTHER, SEE_OTHER, SEE_OTHER],
    },
    Route {
        method: "POST",
        path: "/admin/logout",
        form: &[],
        expect: [SEE_OTHER, SEE_OTHER, SEE_OTHER, SEE_OTHER],
    },
];

/// The ids a table's placeholders stand for.
pub struct Fixture {
    pub user: i64,
    pub section: i64,
}

/// Runs every row of `routes` for an anonymous visitor and for a writer,
/// an editor and an administrator (each signed in afresh), and asserts
/// every status; reports all mismatches at once.
pub async fn check(app: &TestApp, routes: &[Route], fixture: &Fixture) {
    let mut visitors: Vec<(&str, Session)> = vec![("anonymous", app.session())];
    for role in [Role::Writer, Role::Editor, Role::Admin] {
        visitors.push((role.as_str(), app.session_as(role).await.1));
    }
    let mut wrong = Vec::new();
    for (column, (who, session)) in visitors.iter().enumerate() {
        for route in routes {
            let fill = |text: &str| {
                text.replace("{user}", &fixture.user.to_string())
                    .replace("{section}", &fixture.section.to_string())
                    .replace("{role}", who)
            };
            let path = fill(route.path);
            let status = match route.method {
                "GET" => session.get(&path).await,
                "POST" => {
                    let form: Vec<(String, String)> = route
                        .form
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), fill(v)))
                        .collect();
                    session.post_form(&path, &form).await
                }
                other => {
                    let method = other.parse().expect("method");
                    session
                        .send(session.client().request(method, session.url(&path)))
                        .await
                }
            }
            .status();
            if status != route.expect[column] {
                wrong.push(format!(
                    "{} {} as {who}: got {status}, expected {}",
                    route.method, route.path, route.expect[column]
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "permission matrix mismatches:\n{}",
        wrong.join("\n")
    );
}

/// A seeded site, a writer nobody signs in as, and the fixture ids.
pub async fn matrix_app(backend: Backend) -> Option<(TestApp, Fixture)> {
    let app = spawn(backend, true).await?;
    let target = create_user(&app, "target@news.example", Role::Writer).await;
    let section = masthead::sections::find(app.app.store(), "world")
        .await
        .unwrap()
        .expect("seeded section")
        .id;
    Some((
        app,
        Fixture {
            user: target.id,
            section,
        },
    ))
}

on_both!(
    every_admin_route_answers_what_each_role_allows,
    cross_site_state_changes_are_refused
);

async fn every_admin_route_answers_what_each_role_allows(backend: Backend) {
    let Some((app, fixture)) = matrix_app(backend).await else {
        return;
    };
    check(&app, ACCOUNTS_ROUTES, &fixture).await;
}

async fn cross_site_state_changes_are_refused(backend: Backend) {
    let Some((app, fixture)) = matrix_app(backend).await else {
        return;
    };
    let (_, admin) = app.session_as(Role::Admin).await;
    let disable = admin.url(&format!("/admin/users/{}/disable", fixture.user));
    let post = || admin.client().post(&disable);
    let cross_site = admin
        .send(post().header("sec-fetch-site", "cross-site"))
        .await;
    assert_eq!(cross_site.status(), 403);
    assert!(cross_site.text().contains("came from another site"));
    let foreign = admin
        .send(post().header("origin", "http://evil.example"))
        .await;
    assert_eq!(foreign.status(), 403);
    let visitor = app.session();
    let login = visitor
        .send(
            visitor
                .client()
                .post(visitor.url("/admin/login"))
                .header("sec-fetch-site", "cross-site")
                .form(&[("email", "admin@news.example"), ("password", PASSWORD)]),
        )
        .await;
    assert_eq!(
        login.status(),
        403,
        "no sign-in from another site's form either"
    );
    let user = masthead::accounts::find_by_email(app.app.store(), "target@news.example")
        .await
        .unwrap();
    assert!(!user.disabled, "nothing changed");

    // The same request from this site's own pages goes through.
    let same_origin = admin
        .send(
            post()
                .header("sec-fetch-site", "same-origin")
                .header("origin", format!("http://{}", app.address)),
        )
        .await;
    assert_eq!(same_origin.status(), 303);
    // Reading is never refused.
    let read = admin
        .client()
        .get(admin.url("/admin"))
        .header("sec-fetch-site", "cross-site");
    assert_eq!(admin.send(read).await.status(), 200);
}
