//! Bearer tokens for the HTTP front end: create (the secret is shown once), list, revoke, and
//! authenticate a presented secret.

use base64::Engine as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{Result, Service, ServiceError, unique_violation};
use crate::domain::DomainError;
use crate::store::tokens::{self, TokenRow};

/// What a token may do (DESIGN.md, "HTTP front end").
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
    pub fn parse(input: &str) -> Result<Scope> {
        match input.trim().to_ascii_lowercase().as_str() {
            "read" => Ok(Scope::Read),
            "write" => Ok(Scope::Write),
            "admin" => Ok(Scope::Admin),
            _ => Err(DomainError::parse("scope", input, "send read, write or admin").into()),
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
}

/// Prefix of every secret, so leaked tokens are easy to recognise.
pub const SECRET_PREFIX: &str = "stint_";

fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.trim().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
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
            ServiceError::Conflict(format!(
                "the operating system gave no randomness for the secret: {e}"
            ))
        })?;
        let secret = format!(
            "{SECRET_PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        );
        let hash = hash_secret(&secret);
        self.write("create_token", |ctx| {
            let id = tokens::insert(ctx.tx, &name, scope.as_str(), sensitive, &hash, ctx.now)
                .map_err(|e| {
                    unique_violation(e, || {
                        format!("a token named {name:?} already exists; choose another name or revoke it first")
                    })
                })?;
            ctx.audit("token", &[id], Some(&name))?;
            let row = tokens::by_name(ctx.tx, &name)?.expect("just inserted");
            Ok((row, secret.clone()))
        })
    }

    /// Every token, revoked ones included.
    pub fn list_tokens(&self) -> Result<Vec<TokenRow>> {
        self.read(|ctx| Ok(tokens::list(ctx.tx)?))
    }

    /// Revokes the token named `name`; requests carrying it are refused from then on.
    pub fn revoke_token(&self, name: &str) -> Result<TokenRow> {
        self.write("revoke_token", |ctx| {
            let row = tokens::by_name(ctx.tx, name.trim())?.ok_or_else(|| {
                ServiceError::NotFound(format!("no token is named {name:?}; see stint token list"))
            })?;
            if row.revoked_at.is_some() {
                return Err(ServiceError::Conflict(format!(
                    "token {name:?} is already revoked"
                )));
            }
            tokens::revoke(ctx.tx, row.id, ctx.now)?;
            ctx.audit("token", &[row.id], Some(&row.name))?;
            Ok(tokens::by_name(ctx.tx, &row.name)?.expect("exists"))
        })
    }

    /// Number of tokens not revoked.
    pub fn active_token_count(&self) -> Result<usize> {
        self.read(|ctx| Ok(tokens::active(ctx.tx)?.len()))
    }

    /// Decides who an HTTP request is, in one read: `Open` when no token exists (loopback
    /// only, checked at start-up), else the token matching `secret`, else `Refused`.
    pub fn authenticate_request(&self, secret: Option<&str>) -> Result<Authentication> {
        let rows = self.read(|ctx| Ok(tokens::active(ctx.tx)?))?;
        if rows.is_empty() {
            return Ok(Authentication::Open);
        }
        Ok(match secret {
            Some(secret) => match match_token(&rows, secret)? {
                Some(t) => Authentication::Token(t),
                None => Authentication::Refused,
            },
            None => Authentication::Refused,
        })
    }

    /// Checks a presented secret against every active token, comparing hashes in constant time.
    pub fn authenticate(&self, secret: &str) -> Result<Option<TokenInfo>> {
        let rows = self.read(|ctx| Ok(tokens::active(ctx.tx)?))?;
        match_token(&rows, secret)
    }
}

/// Outcome of [`Service::authenticate_request`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authentication {
    /// No token exists: the server is open to local processes.
    Open,
    /// A valid token.
    Token(TokenInfo),
    /// Missing or wrong secret.
    Refused,
}

/// The token whose hash equals the hash of `secret`; every row is compared, in constant time.
fn match_token(rows: &[TokenRow], secret: &str) -> Result<Option<TokenInfo>> {
    let presented = hash_secret(secret);
    let mut found = None;
    for row in rows {
        if bool::from(row.secret_hash.as_bytes().ct_eq(presented.as_bytes())) {
            found = Some(TokenInfo {
                name: row.name.clone(),
                scope: Scope::parse(&row.scope)?,
                sensitive: row.sensitive,
            });
        }
    }
    Ok(found)
}
