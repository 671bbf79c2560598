//! Bearer tokens for the HTTP front end: create (the secret is shown once), list, revoke, and
//! authenticate a presented secret.

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::{Caller, Frontend, Result, Service, ServiceError, unique_violation};
use stint_domain::DomainError;
use stint_store as store;
use stint_store::tokens;
pub use stint_store::tokens::TokenRow;

/// A token with whom it speaks for ([`Service::list_tokens_with_people`]).
#[derive(Debug, Clone)]
pub struct TokenListing {
    pub token: TokenRow,
    /// The person's name (the owner's for a token made without `--person`).
    pub person: String,
    /// That person's role.
    pub role: stint_domain::people::Role,
}

/// What a token may do (docs/rules.md, "HTTP front end").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Read-only tools.
    Read,
    /// Read, plus writes that add or change data without deleting it.
    Write,
    /// Everything: deletes, invoice state changes and settings too.
    Admin,
}

impl Scope {
    /// Parses `read`, `write` or `admin`.
    pub(crate) fn parse(input: &str) -> Result<Scope> {
        match input.trim().to_ascii_lowercase().as_str() {
            "read" => Ok(Scope::Read),
            "write" => Ok(Scope::Write),
            "admin" => Ok(Scope::Admin),
            _ => Err(DomainError::parse("scope", input, "give read, write or admin").into()),
        }
    }

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }
}

/// An authenticated token: who is calling over HTTP and what they may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub name: String,
    pub scope: Scope,
    /// May see client contact details (email, phone, address, tax id).
    pub sensitive: bool,
    /// Its writes of tracks and expenses are drafts, counted nowhere until a person approves
    /// them (`stint token create --drafts`; see [`crate::drafts`]).
    pub drafts: bool,
}

/// Prefix of every secret, so leaked tokens are easy to recognise.
pub const SECRET_PREFIX: &str = "stint_";

fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.trim().as_bytes());
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

impl Service {
    /// Creates a token and returns it with its secret, which is not stored and cannot be shown
    /// again.
    ///
    /// # Errors
    /// An empty or taken name; a bad scope; no randomness from the operating system.
    pub fn create_token(
        &self,
        name: &str,
        scope: &str,
        sensitive: bool,
    ) -> Result<(TokenRow, String)> {
        self.create_token_as(name, scope, sensitive, None, false)
    }

    /// [`Service::create_token`] for a token whose writes of tracks and expenses are drafts
    /// when `drafts` (see [`crate::drafts`]).
    ///
    /// # Errors
    /// As [`Service::create_token`].
    pub fn create_token_with(
        &self,
        name: &str,
        scope: &str,
        sensitive: bool,
        drafts: bool,
    ) -> Result<(TokenRow, String)> {
        self.create_token_as(name, scope, sensitive, None, drafts)
    }

    /// Creates a token that speaks for `person` (a name, an id or `owner`; `None`: the owner):
    /// every write through it is that person's, and it reads and writes what the person's role
    /// allows (docs/rules.md, "People").
    ///
    /// # Errors
    /// As [`Service::create_token`]; an unknown or archived person.
    pub fn create_token_for(
        &self,
        name: &str,
        scope: &str,
        sensitive: bool,
        person: Option<&str>,
    ) -> Result<(TokenRow, String)> {
        self.create_token_as(name, scope, sensitive, person, false)
    }

    /// Creates a token for `person` ([`Service::create_token_for`]) whose writes are drafts
    /// when `drafts` ([`Service::create_token_with`]).
    ///
    /// # Errors
    /// As [`Service::create_token_for`].
    pub fn create_token_as(
        &self,
        name: &str,
        scope: &str,
        sensitive: bool,
        person: Option<&str>,
        drafts: bool,
    ) -> Result<(TokenRow, String)> {
        let scope = Scope::parse(scope)?;
        let name = name.trim().to_owned();
        if name.is_empty() {
            return Err(DomainError::Invalid(
                "a token needs a name, e.g. --name laptop-script".into(),
            )
            .into());
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| {
            ServiceError::Conflict(
                format!("the operating system gave no randomness for the secret: {e}").into(),
            )
        })?;
        let secret = format!(
            "{SECRET_PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        );
        let hash = hash_secret(&secret);
        self.write("create_token", |ctx| {
            let id = tokens::insert(
                ctx.tx,
                &name,
                scope.as_str(),
                sensitive,
                drafts,
                &hash,
                ctx.now,
            )
                .map_err(|e| {
                    unique_violation(e, || {
                        format!("an active token named {name:?} already exists; choose another name or revoke it first (stint token revoke {name})").into()
                    })
                })?;
            if let Some(p) = person.map(str::trim).filter(|p| !p.is_empty()) {
                let pid = super::people::resolve_person(ctx, p)?;
                if super::people::load(ctx, pid)?.archived {
                    return Err(ServiceError::Conflict(
                        format!("{p:?} is archived; unarchive them first (stint person edit {p:?} --active)").into(),
                    ));
                }
                store::people::set_token_person(ctx.tx, id, pid)?;
            }
            ctx.audit("token", &[id], Some(&name))?;
            let row = tokens::by_id(ctx.tx, id)?.expect("just inserted");
            Ok((row, secret.clone()))
        })
    }

    /// Every token, revoked ones included.
    pub fn list_tokens(&self) -> Result<Vec<TokenRow>> {
        self.read(|ctx| Ok(tokens::list(ctx.tx)?))
    }

    /// Every token (revoked ones included) with the person it speaks for (the owner for a
    /// token made without `--person`) and that person's role, as `stint token list` shows
    /// them.
    pub fn list_tokens_with_people(&self) -> Result<Vec<TokenListing>> {
        self.read(|ctx| {
            let people = store::people::token_people(ctx.tx)?;
            let owner = store::people::owner(ctx.tx)?;
            let mut out = Vec::new();
            for token in tokens::list(ctx.tx)? {
                // A person's tokens go with the person (V13), so every id is found; one that
                // is not is listed by id rather than failing the list.
                let (person, role) = match people.get(&token.id).copied().flatten() {
                    None => (owner.name.clone(), owner.role),
                    Some(id) => match store::people::get(ctx.tx, id)? {
                        Some(p) => (p.name, p.role),
                        None => (format!("person {id}"), stint_domain::people::Role::Member),
                    },
                };
                out.push(TokenListing {
                    token,
                    person,
                    role,
                });
            }
            Ok(out)
        })
    }

    /// Revokes the active token named `name`; requests carrying it are refused from then on,
    /// by running servers too. Its name may then be given to a new token.
    ///
    /// # Errors
    /// No active token has that name.
    pub fn revoke_token(&self, name: &str) -> Result<TokenRow> {
        self.write("revoke_token", |ctx| {
            let row = tokens::active_by_name(ctx.tx, name.trim())?.ok_or_else(|| {
                ServiceError::NotFound(
                    format!("no active token is named {name:?}; see stint token list").into(),
                )
            })?;
            tokens::revoke(ctx.tx, row.id, ctx.now)?;
            ctx.audit("token", &[row.id], Some(&row.name))?;
            Ok(tokens::by_id(ctx.tx, row.id)?.expect("exists"))
        })
    }

    /// Number of tokens not revoked.
    pub fn active_token_count(&self) -> Result<usize> {
        self.read(|ctx| Ok(tokens::active(ctx.tx)?.len()))
    }

    /// The active token whose secret is `secret`, or `None` (unknown or revoked secret).
    ///
    /// One indexed lookup of the secret's SHA-256 hash, so revocation takes effect at the next
    /// request. Records the use in `last_used_at` at most once per
    /// [`LAST_USED_RESOLUTION_SECS`] per token (a failed record is logged, not an error), so
    /// reads do not write on every request.
    ///
    /// # Errors
    /// The database cannot be read.
    pub fn authenticate(&self, secret: &str) -> Result<Option<TokenInfo>> {
        let hash = hash_secret(secret);
        let now = self.now();
        let row = {
            let mut conn = self.conn();
            store::read(&mut conn, |tx| tokens::active_by_hash(tx, &hash))?
        };
        let Some(row) = row else { return Ok(None) };
        let stale = row
            .last_used_at
            .is_none_or(|t| (now - t).num_seconds() >= LAST_USED_RESOLUTION_SECS);
        if stale {
            let _writer = self.inner.writer.lock();
            let mut conn = self.conn();
            if let Err(e) = store::write(
                &mut conn,
                |tx| tokens::touch(tx, row.id, now),
                |_, _, _| Ok(()),
            ) {
                tracing::debug!("last_used_at of token {:?} not recorded: {e}", row.name);
            }
        }
        Ok(Some(TokenInfo {
            name: row.name,
            scope: Scope::parse(&row.scope)?,
            sensitive: row.sensitive,
            drafts: row.drafts,
        }))
    }
}

/// Smallest interval, in seconds, between two writes of a token's `last_used_at`.
pub const LAST_USED_RESOLUTION_SECS: i64 = 60;

/// Who an HTTP request acts for, decided by the HTTP layer and read by the tools.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpCaller {
    /// A valid bearer token.
    Token(TokenInfo),
    /// `stint serve --no-token` on loopback: scope `write`, client contact details redacted,
    /// no file writes.
    Tokenless,
}

impl HttpCaller {
    /// The scope this caller has.
    pub fn scope(&self) -> Scope {
        match self {
            HttpCaller::Token(t) => t.scope,
            HttpCaller::Tokenless => Scope::Write,
        }
    }

    /// How this caller is named in messages: `token "NAME"` or `the tokenless local caller`.
    pub fn describe(&self) -> String {
        match self {
            HttpCaller::Token(t) => format!("the token {:?}", t.name),
            HttpCaller::Tokenless => "a caller without token (stint serve --no-token)".to_owned(),
        }
    }

    /// The service caller for this HTTP caller: front end `mcp-http`, the token's name (none
    /// when tokenless), contact details redacted unless the token is sensitive, and never
    /// allowed to write files.
    pub fn caller(&self) -> Caller {
        match self {
            HttpCaller::Token(t) => Caller {
                frontend: Frontend::McpHttp,
                token_name: Some(t.name.clone()),
                redact_contacts: !t.sensitive,
                may_write_files: false,
                drafts: t.drafts,
            },
            HttpCaller::Tokenless => Caller {
                frontend: Frontend::McpHttp,
                token_name: None,
                redact_contacts: true,
                may_write_files: false,
                drafts: false,
            },
        }
    }
}
