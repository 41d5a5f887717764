//! /admin/members (staff; 003 会员资料): a member's number, name, phone, email and birthday
//! (`PUT /admin/members/{member_id}`; member numbers and phones unique in the shop), and
//! finding a member by number, phone or card number at the till (`GET
//! /admin/members/lookup`): one read of the unique item, then the profile; never a scan.
//! `GET /admin/members/{member_id}` reads one profile.

use api::input;
use api::work::Work;
use api::{ApiError, Ctx, Decision, Reply, STAFF};
use domain::directory::ProfilePatch;
use domain::member::Profile;
use domain::{MemberId, Refusal, ShopId};
use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use store::{keys, profile, Key};

mod export;
mod lookup;

pub const OPERATION: &str = "admin-members";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, STAFF)?;
    let shop = principal.shop.clone();
    if req.method() == Method::GET {
        let path = req.uri().path().trim_end_matches('/').to_owned();
        if path.ends_with("/lookup") {
            return lookup::lookup(ctx, &req, &shop).await;
        }
        if path.ends_with("/export") {
            return export::export(ctx, &shop).await;
        }
        if input::path_param(&req, "member_id").is_ok() {
            return get(ctx, &req, &shop).await;
        }
        return list(ctx, &req, &shop).await;
    }
    let member = MemberId::parse(&input::path_param(&req, "member_id")?)?;
    let patch = ProfilePatch::parse(&input::json_object(&req)?)?;
    let mut read = vec![keys::profile(&shop, &member)];
    read.extend(new_keys(&shop, &patch));
    let who = principal.acting(member);
    api::execute(ctx, &shop, None, read, |snapshot, now| {
        decide(Work::open(&who, snapshot, now)?, &patch)
    })
    .await
}

/// The unique items a patch would claim, so one read can tell whether they are free.
fn new_keys(shop: &ShopId, patch: &ProfilePatch) -> Vec<Key> {
    use domain::directory::Field::Set;
    let mut out = Vec::new();
    if let Set(no) = &patch.member_no {
        out.push(keys::member_no(shop, no));
    }
    if let Set(phone) = &patch.phone {
        out.push(keys::phone(shop, phone));
    }
    out
}

/// Where a unique value lives, and the refusal when someone else holds it.
type KeyOf = fn(&ShopId, &str) -> Key;
type TakenBy = fn(String) -> Refusal;

/// 003: the profile patched; a number or phone newly set is claimed (refused when another
/// member holds it, by the read or by the claim's condition), the old one freed.
fn decide(mut work: Work<'_>, patch: &ProfilePatch) -> Result<Decision, ApiError> {
    let (who, snapshot) = (work.who, work.snapshot);
    let (shop, member) = (&who.shop, &who.member);
    let mut p = profile::read(snapshot, shop, member)?;
    let unique = patch.apply(&mut p);
    p.create_in_directory(work.now);
    work.write(profile::put(shop, member, &p));
    let changes: [(_, KeyOf, TakenBy); 2] = [
        (unique.member_no, keys::member_no, Refusal::MemberNoTaken),
        (unique.phone, keys::phone, Refusal::PhoneTaken),
    ];
    for (change, key_of, taken) in changes {
        let Some((old, new)) = change else { continue };
        if let Some(new) = new {
            let key = key_of(shop, &new);
            match profile::holder(snapshot, &key) {
                Some(holder) if holder != member.as_str() => return Err(taken(new).into()),
                Some(_) => {}
                None => {
                    work.write(profile::claim_unique(key.clone(), member));
                    work.guard(key, taken(new).into());
                }
            }
        }
        if let Some(old) = old {
            work.write(profile::free_unique(key_of(shop, &old), member));
        }
    }
    work.done(&view(member, &p))
}

/// A member's profile as the directory shows it.
#[derive(Serialize)]
pub(crate) struct Shown<'a> {
    member_id: &'a MemberId,
    member_no: Option<&'a str>,
    name: Option<&'a str>,
    phone: Option<&'a str>,
    email: Option<&'a str>,
    birthday: Option<String>,
    registered_at: Option<String>,
    /// Created by staff (PUT) but not yet through `register`: registration may still give
    /// the registration credit and the channel's default level.
    registered: bool,
    level_id: Option<&'a str>,
    erased_at: Option<String>,
}

pub(crate) fn view<'a>(member: &'a MemberId, p: &'a Profile) -> Shown<'a> {
    Shown {
        member_id: member,
        member_no: p.member_no.as_deref(),
        name: p.name.as_deref(),
        phone: p.phone.as_deref(),
        email: p.email.as_deref(),
        birthday: p.birthday.map(|b| b.to_string()),
        registered_at: p.registered_at.map(|t| t.to_rfc3339()),
        registered: p.registered_at.is_some() && !p.directory_only,
        level_id: p.standing.level_id(),
        erased_at: p.erased_at.map(api::render::instant),
    }
}

/// One member's profile by id (the console's member page). Like `GET /members/{id}`, a
/// member never written reads as an empty profile, not 404.
async fn get(ctx: &Ctx, req: &Request, shop: &ShopId) -> Result<Reply, ApiError> {
    let member = MemberId::parse(&input::path_param(req, "member_id")?)?;
    let snapshot = ctx.store.load(&[keys::profile(shop, &member)]).await?;
    // An erased member reads as what is left: the id and when (API 1.2).
    Reply::ok(&view(
        &member,
        &profile::read_any(&snapshot, shop, &member)?,
    ))
}

/// Registered members, newest registration first, optionally at one level (as of each
/// member's last write), a page at a time.
async fn list(ctx: &Ctx, req: &Request, shop: &ShopId) -> Result<Reply, ApiError> {
    let limit = input::limit(req)?;
    let level = input::query_param(req, "level_id")
        .map(|l| domain::LevelId::parse(&l).map(|l| l.to_string()))
        .transpose()?;
    let cursor = input::query_param(req, "cursor");
    let page = ctx
        .store
        .members_page(shop, level.as_deref(), limit, cursor.as_deref())
        .await
        .map_err(|e| match e {
            store::StoreError::Corrupt(_) => ApiError::Invalid("cursor is not one of ours".into()),
            other => other.into(),
        })?;
    Reply::ok(&api::render::Page {
        items: page.items.iter().map(|(m, p)| view(m, p)).collect(),
        next: page.next,
    })
}
