//! Small, idempotent demo data: an admin, a few customers with posts, a catalog and a few
//! orders. Every step first looks for what it would create, so running it again changes
//! nothing, and a run that was interrupted finishes the job the next time.

use crate::domain::access::Viewer;
use crate::domain::events::EventBus;
use crate::domain::orders::{NewLine, NewOrder};
use crate::domain::posts::NewPost;
use crate::domain::products::NewProduct;
use crate::domain::users::NewUser;
use crate::{
    Result,
    domain::{auth, orders, posts, products, roles, users},
};
use entity::post;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

/// What a seed run created (all zero on a second run).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub users: u32,
    pub posts: u32,
    pub products: u32,
    pub orders: u32,
    /// The admin password, when this run created the admin and generated one (shown once).
    pub generated_admin_password: Option<String>,
}

impl std::fmt::Debug for SeedReport {
    // Never print the generated password through logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeedReport")
            .field("users", &self.users)
            .field("posts", &self.posts)
            .field("products", &self.products)
            .field("orders", &self.orders)
            .field(
                "generated_admin_password",
                &self
                    .generated_admin_password
                    .as_ref()
                    .map(|_| "<shown once>"),
            )
            .finish()
    }
}

/// Password of the demo customers, so the README's examples can sign in as them.
pub const DEMO_CUSTOMER_PASSWORD: &str = "shopgraph-demo";

/// Email of the demo admin.
pub const ADMIN_EMAIL: &str = "admin@shopgraph.dev";

const CUSTOMERS: [(&str, &str); 3] = [
    ("ada@example.com", "Ada Lovelace"),
    ("grace@example.com", "Grace Hopper"),
    ("alan@example.com", "Alan Turing"),
];

/// (sku, slug, name, category, price in cents, stock)
const CATALOG: [(&str, &str, &str, &str, i64, i32); 8] = [
    (
        "SG-MUG-001",
        "enamel-mug",
        "Enamel mug",
        "kitchen",
        1_450,
        120,
    ),
    (
        "SG-KNF-002",
        "chef-knife",
        "Chef's knife",
        "kitchen",
        8_900,
        25,
    ),
    (
        "SG-TEA-003",
        "sencha-tea",
        "Sencha green tea, 100 g",
        "pantry",
        1_200,
        300,
    ),
    (
        "SG-CHO-004",
        "dark-chocolate",
        "Dark chocolate 70%",
        "pantry",
        450,
        500,
    ),
    (
        "SG-NBK-005",
        "dot-notebook",
        "Dot-grid notebook",
        "stationery",
        1_900,
        80,
    ),
    (
        "SG-PEN-006",
        "fountain-pen",
        "Fountain pen",
        "stationery",
        4_500,
        40,
    ),
    (
        "SG-TOT-007",
        "canvas-tote",
        "Canvas tote bag",
        "accessories",
        2_200,
        60,
    ),
    ("SG-LMP-008", "desk-lamp", "Desk lamp", "home", 5_900, 15),
];

/// Creates whatever part of the demo data is missing.
#[tracing::instrument(skip(db))]
pub async fn demo(
    db: &DatabaseConnection,
    events: &EventBus,
    admin_password: Option<&str>,
) -> Result<SeedReport> {
    let mut report = SeedReport::default();
    let checkout = orders::Checkout::new(db.clone(), events.clone());
    let admin_role = roles::ensure(db, roles::ADMIN).await?;
    let customer_role = roles::ensure(db, roles::CUSTOMER).await?;

    let (admin, created) = find_or_create_user(db, ADMIN_EMAIL, "Shop Admin", &mut report).await?;
    if created {
        let password = match admin_password {
            Some(given) => given.to_owned(),
            None => {
                let generated = random_password();
                report.generated_admin_password = Some(generated.clone());
                generated
            }
        };
        auth::set_password(db, admin.id, password).await?;
    }
    roles::grant(db, admin.id, admin_role.id).await?;

    let mut catalog = Vec::new();
    for (sku, slug, name, category, price_cents, stock) in CATALOG {
        let product = match products::by_slug(db, slug).await? {
            Some(found) => found,
            None => {
                report.products += 1;
                products::create(
                    db,
                    &Viewer::SYSTEM,
                    NewProduct {
                        sku: sku.into(),
                        slug: slug.into(),
                        name: name.into(),
                        category: category.into(),
                        price_cents,
                        stock,
                    },
                )
                .await?
            }
        };
        catalog.push(product);
    }

    for (i, (email, name)) in CUSTOMERS.into_iter().enumerate() {
        let (customer, created) = find_or_create_user(db, email, name, &mut report).await?;
        if created {
            auth::set_password(db, customer.id, DEMO_CUSTOMER_PASSWORD.into()).await?;
        }
        roles::grant(db, customer.id, customer_role.id).await?;

        let written = post::Entity::find()
            .filter(post::Column::AuthorId.eq(customer.id))
            .count(db)
            .await?;
        if written == 0 {
            let first_name = name.split(' ').next().unwrap_or(name);
            for (title, publish) in [
                (format!("{first_name}'s favourite finds"), true),
                (format!("{first_name}'s wish list (draft)"), false),
            ] {
                posts::create(
                    db,
                    &Viewer::SYSTEM,
                    NewPost {
                        author_id: Some(customer.id),
                        title,
                        content: format!("Notes by {name} on the shopgraph demo shop."),
                        publish,
                    },
                )
                .await?;
                report.posts += 1;
            }
        }

        if orders::count_for_customer(db, customer.id).await? == 0 {
            // Each customer buys a different pair of products.
            let a = &catalog[(2 * i) % catalog.len()];
            let b = &catalog[(2 * i + 3) % catalog.len()];
            checkout
                .create(
                    &Viewer::SYSTEM,
                    NewOrder {
                        customer_id: Some(customer.id),
                        items: vec![
                            NewLine {
                                product_id: a.id,
                                quantity: 1 + i as i32,
                            },
                            NewLine {
                                product_id: b.id,
                                quantity: 2,
                            },
                        ],
                    },
                    None,
                )
                .await?;
            report.orders += 1;
        }
    }
    Ok(report)
}

async fn find_or_create_user(
    db: &DatabaseConnection,
    email: &str,
    name: &str,
    report: &mut SeedReport,
) -> Result<(entity::user::Model, bool)> {
    if let Some(found) = users::by_email(db, email).await? {
        return Ok((found, false));
    }
    report.users += 1;
    let user = users::create(
        db,
        &Viewer::SYSTEM,
        NewUser {
            email: email.into(),
            name: name.into(),
            status: None,
        },
    )
    .await?;
    Ok((user, true))
}

/// 20 random letters and digits.
fn random_password() -> String {
    use rand::Rng;
    rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(20)
        .map(char::from)
        .collect()
}
