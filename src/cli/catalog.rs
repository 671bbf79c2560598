//! `stint project|client|tag ...` and `stint config ...`: the catalogue and the settings from
//! the terminal, over the same service calls as the catalogue and settings tools.

use clap::{Args, Subcommand};

use super::{Out, out, table};
use stint_api::json;
use stint_service::{
    ClientChanges, DeleteClient, DeleteProject, DeleteTag, Deleted, ListClients, ListProjects,
    ListTags, NewClient, NewProject, ProjectChanges, Service,
};

/// `stint project ...`.
#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Create a project (billable by default).
    Add {
        /// The project's name (unique per client).
        name: String,
        #[command(flatten)]
        fields: ProjectFieldArgs,
    },
    /// List projects by name (active ones unless --all).
    List {
        /// Also archived projects.
        #[arg(long)]
        all: bool,
        /// Only this client's projects.
        #[arg(long)]
        client: Option<String>,
        /// Only names containing this text.
        #[arg(long)]
        search: Option<String>,
    },
    /// Show a project with its rate, currency and budget.
    Show {
        /// Project id or name.
        project: String,
    },
    /// Change a project's fields (only those given).
    Edit {
        /// Project id or name.
        project: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        fields: ProjectFieldArgs,
        /// Alert when this percent of the budget is used (1 to 1000).
        #[arg(long, value_name = "PERCENT")]
        alert_percent: Option<u32>,
        /// Make an archived project active again.
        #[arg(long)]
        unarchive: bool,
    },
    /// Archive a project: its tracks stay, it leaves lists, new tracks cannot use it.
    Archive {
        /// Project id or name.
        project: String,
    },
    /// Delete a project without tracks (archive one with tracks instead).
    Delete {
        /// Project id or name.
        project: String,
    },
}

/// Fields of `stint project add` and `stint project edit`.
#[derive(Debug, Args)]
pub struct ProjectFieldArgs {
    /// Client id or name ("" for none, with edit).
    #[arg(long)]
    pub client: Option<String>,
    /// Hourly rate, e.g. 95.50 ("" for none, with edit).
    #[arg(long)]
    pub rate: Option<String>,
    /// ISO 4217 currency, e.g. EUR ("" for none, with edit).
    #[arg(long)]
    pub currency: Option<String>,
    /// The project's colour as hex, e.g. #3b82f6 (`--color` is the output's colours).
    #[arg(long, value_name = "HEX")]
    pub hex_color: Option<String>,
    /// New tracks are billable by default (the default for new projects).
    #[arg(long, overrides_with = "no_billable")]
    pub billable: bool,
    /// New tracks are not billable by default.
    #[arg(long)]
    pub no_billable: bool,
    /// Hours budget, e.g. 40 or 12.5 ("" removes it, with edit).
    #[arg(long, value_name = "HOURS")]
    pub budget_hours: Option<String>,
    /// Money budget in the project's currency ("" removes it, with edit).
    #[arg(long, value_name = "AMOUNT")]
    pub budget_amount: Option<String>,
    /// Budget period: total or monthly.
    #[arg(long, value_name = "PERIOD")]
    pub budget_period: Option<String>,
}

/// `stint client ...`.
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Create a client.
    Add {
        /// The client's name (unique).
        name: String,
        #[command(flatten)]
        fields: ClientFieldArgs,
    },
    /// List clients by name (active ones unless --all).
    List {
        /// Also archived clients.
        #[arg(long)]
        all: bool,
        /// Only names containing this text.
        #[arg(long)]
        search: Option<String>,
    },
    /// Show a client with contact details, rate and currency.
    Show {
        /// Client id or name.
        client: String,
    },
    /// Change a client's fields (only those given; "" clears a field).
    Edit {
        /// Client id or name.
        client: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        fields: ClientFieldArgs,
        /// Make an archived client active again.
        #[arg(long)]
        unarchive: bool,
    },
    /// Archive a client: its projects, tracks and invoices stay.
    Archive {
        /// Client id or name.
        client: String,
    },
    /// Delete a client without projects, tracks or invoices (archive it otherwise).
    Delete {
        /// Client id or name.
        client: String,
    },
}

/// Fields of `stint client add` and `stint client edit`.
#[derive(Debug, Args)]
pub struct ClientFieldArgs {
    /// Email address.
    #[arg(long)]
    pub email: Option<String>,
    /// Phone number.
    #[arg(long)]
    pub phone: Option<String>,
    /// Postal address (may span lines).
    #[arg(long)]
    pub address: Option<String>,
    /// Tax id (VAT number).
    #[arg(long)]
    pub tax_id: Option<String>,
    /// Notes.
    #[arg(long)]
    pub notes: Option<String>,
    /// Hourly rate for the client's projects without their own.
    #[arg(long)]
    pub rate: Option<String>,
    /// ISO 4217 currency for the client's projects without their own.
    #[arg(long)]
    pub currency: Option<String>,
    /// Tax rate in percent of the client's invoices, e.g. 19, when `stint invoice create`
    /// gives none ("" for the `default_tax_rate_percent` setting, with edit).
    #[arg(long, visible_alias = "tax")]
    pub tax_rate: Option<String>,
}

/// `stint tag ...`. Tags have no archive: rename one, or delete it (`--force` takes it off
/// its tracks).
#[derive(Debug, Subcommand)]
pub enum TagCommand {
    /// Create a tag.
    Add {
        /// The tag's name (unique, case-insensitive).
        name: String,
    },
    /// List tags by name, with how many tracks carry each.
    List {
        /// Only names containing this text.
        #[arg(long)]
        search: Option<String>,
    },
    /// Show a tag.
    Show {
        /// Tag id or name.
        tag: String,
    },
    /// Rename a tag.
    Edit {
        /// Tag id or name.
        tag: String,
        /// The new name.
        #[arg(long)]
        name: String,
    },
    /// Delete a tag (tags cannot be archived).
    Delete {
        /// Tag id or name.
        tag: String,
        /// Also when tracks carry it: it is taken off them (the tracks stay).
        #[arg(long)]
        force: bool,
    },
}

/// `stint config ...`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Show all settings, or one (e.g. `timezone`, `rounding.mode`).
    Get {
        /// A setting's key.
        key: Option<String>,
    },
    /// Change a setting, e.g. `stint config set timezone Europe/Berlin` ("" returns
    /// timezone, business_name and business_address to their defaults).
    Set {
        /// A setting's key (see `stint config get`).
        key: String,
        /// The new value.
        value: String,
    },
}

fn print_deleted(d: Deleted, what: &str, o: &Out) {
    if o.json {
        println!("{}", json::deleted(d));
        return;
    }
    let verb = if d.action == "archived" {
        "Archived"
    } else {
        "Deleted"
    };
    println!("{verb} {what} {:?} (id {})", d.name, d.id);
    if let Some(n) = d.note {
        println!("{}", o.paint.dim(&super::errors::words(&n)));
    }
    println!("{}", o.paint.dim("(`stint undo` brings it back)"));
}

/// Prints `rows` as a two-column table of field and value (`stint project|client show`).
fn print_fields(rows: Vec<(&str, String)>) {
    let mut t = table();
    t.set_header(["field", "value"]);
    for (k, v) in rows {
        t.add_row([k.to_owned(), v]);
    }
    println!("{t}");
}

fn print_project(p: &stint_domain::entities::Project, o: &Out) {
    if o.json {
        println!("{}", json::project(p));
        return;
    }
    let budget_hours = p
        .budget
        .seconds
        .map(stint_domain::time::format_hmm)
        .unwrap_or_default();
    let rows: Vec<(&str, String)> = vec![
        ("id", p.id.to_string()),
        ("name", p.name.clone()),
        ("client", p.client_name.clone().unwrap_or_default()),
        (
            "hourly rate",
            p.hourly_rate.map(|r| r.to_string()).unwrap_or_default(),
        ),
        (
            "currency",
            p.currency.map(|c| c.code().to_owned()).unwrap_or_default(),
        ),
        (
            "billable by default",
            if p.billable_by_default { "yes" } else { "no" }.to_owned(),
        ),
        ("color", p.color.clone().unwrap_or_default()),
        ("budget h:mm", budget_hours),
        (
            "budget amount",
            p.budget.amount.map(|a| a.to_string()).unwrap_or_default(),
        ),
        ("budget period", p.budget.period.as_str().to_owned()),
        ("budget alert %", p.budget.alert_percent.to_string()),
        ("archived", if p.archived { "yes" } else { "no" }.to_owned()),
    ];
    print_fields(rows);
}

/// Runs `stint project ...`.
pub fn project(svc: &Service, cmd: &ProjectCommand) -> anyhow::Result<()> {
    let o = out();
    match cmd {
        ProjectCommand::Add { name, fields: f } => {
            let p = svc.create_project(NewProject {
                name: name.clone(),
                client: f.client.clone(),
                color: f.hex_color.clone(),
                hourly_rate: f.rate.clone(),
                currency: f.currency.clone(),
                billable_by_default: super::billable_flag(f.billable, f.no_billable),
                budget_hours: f.budget_hours.clone(),
                budget_amount: f.budget_amount.clone(),
                budget_period: f.budget_period.clone(),
                budget_alert_percent: None,
            })?;
            if o.json {
                println!("{}", json::project(&p));
            } else {
                println!(
                    "{} project {} (id {})",
                    o.paint.good("Created"),
                    p.label(),
                    p.id
                );
            }
        }
        ProjectCommand::List {
            all,
            client,
            search,
        } => {
            let mut items = Vec::new();
            let mut cursor = None;
            loop {
                let page = svc.list_projects(ListProjects {
                    client: client.clone(),
                    include_archived: *all,
                    search: search.clone(),
                    limit: Some(500),
                    cursor,
                })?;
                items.extend(page.items);
                match page.next_cursor {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
            if o.json {
                println!("{}", json::projects(&items));
            } else if items.is_empty() {
                println!("No projects yet; create one with `stint project add NAME`.");
            } else {
                let mut t = table();
                t.set_header([
                    "id", "name", "client", "rate", "currency", "billable", "archived",
                ]);
                for p in &items {
                    t.add_row([
                        p.id.to_string(),
                        p.name.clone(),
                        p.client_name.clone().unwrap_or_default(),
                        p.hourly_rate.map(|r| r.to_string()).unwrap_or_default(),
                        p.currency.map(|c| c.code().to_owned()).unwrap_or_default(),
                        if p.billable_by_default { "yes" } else { "no" }.to_owned(),
                        if p.archived { "yes" } else { "" }.to_owned(),
                    ]);
                }
                println!("{t}");
            }
        }
        ProjectCommand::Show { project } => print_project(&svc.get_project(project)?, &o),
        ProjectCommand::Edit {
            project,
            name,
            fields: f,
            alert_percent,
            unarchive,
        } => {
            let p = svc.update_project(
                project,
                ProjectChanges {
                    name: name.clone(),
                    client: f.client.clone(),
                    color: f.hex_color.clone(),
                    hourly_rate: f.rate.clone(),
                    currency: f.currency.clone(),
                    billable_by_default: super::billable_flag(f.billable, f.no_billable),
                    budget_hours: f.budget_hours.clone(),
                    budget_amount: f.budget_amount.clone(),
                    budget_period: f.budget_period.clone(),
                    budget_alert_percent: *alert_percent,
                    archived: unarchive.then_some(false),
                },
            )?;
            if o.json {
                println!("{}", json::project(&p));
            } else {
                println!("Updated project {} (id {})", p.label(), p.id);
            }
        }
        ProjectCommand::Archive { project } => print_deleted(
            svc.delete_project(DeleteProject {
                project: project.clone(),
                archive: true,
            })?,
            "project",
            &o,
        ),
        ProjectCommand::Delete { project } => print_deleted(
            svc.delete_project(DeleteProject {
                project: project.clone(),
                archive: false,
            })?,
            "project",
            &o,
        ),
    }
    Ok(())
}

fn print_client(c: &stint_domain::entities::Client, o: &Out) {
    if o.json {
        println!("{}", json::client(c));
        return;
    }
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let rows: Vec<(&str, String)> = vec![
        ("id", c.id.to_string()),
        ("name", c.name.clone()),
        ("email", opt(&c.email)),
        ("phone", opt(&c.phone)),
        ("address", opt(&c.address)),
        ("tax id", opt(&c.tax_id)),
        ("notes", opt(&c.notes)),
        (
            "hourly rate",
            c.hourly_rate.map(|r| r.to_string()).unwrap_or_default(),
        ),
        (
            "currency",
            c.currency.map(|c| c.code().to_owned()).unwrap_or_default(),
        ),
        (
            "tax rate",
            c.tax_rate_percent
                .map(|r| format!("{} %", r.normalize()))
                .unwrap_or_default(),
        ),
        ("archived", if c.archived { "yes" } else { "no" }.to_owned()),
    ];
    print_fields(rows);
}

/// Runs `stint client ...`.
pub fn client(svc: &Service, cmd: &ClientCommand) -> anyhow::Result<()> {
    let o = out();
    match cmd {
        ClientCommand::Add { name, fields: f } => {
            let c = svc.create_client(NewClient {
                name: name.clone(),
                email: f.email.clone(),
                phone: f.phone.clone(),
                address: f.address.clone(),
                tax_id: f.tax_id.clone(),
                notes: f.notes.clone(),
                hourly_rate: f.rate.clone(),
                currency: f.currency.clone(),
                tax_rate_percent: f.tax_rate.clone(),
            })?;
            if o.json {
                println!("{}", json::client(&c));
            } else {
                println!(
                    "{} client {:?} (id {})",
                    o.paint.good("Created"),
                    c.name,
                    c.id
                );
            }
        }
        ClientCommand::List { all, search } => {
            let mut items = Vec::new();
            let mut cursor = None;
            loop {
                let page = svc.list_clients(ListClients {
                    include_archived: *all,
                    search: search.clone(),
                    limit: Some(500),
                    cursor,
                })?;
                items.extend(page.items);
                match page.next_cursor {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
            if o.json {
                println!("{}", json::clients(&items));
            } else if items.is_empty() {
                println!("No clients yet; create one with `stint client add NAME`.");
            } else {
                let mut t = table();
                t.set_header(["id", "name", "email", "rate", "currency", "archived"]);
                for c in &items {
                    t.add_row([
                        c.id.to_string(),
                        c.name.clone(),
                        c.email.clone().unwrap_or_default(),
                        c.hourly_rate.map(|r| r.to_string()).unwrap_or_default(),
                        c.currency.map(|c| c.code().to_owned()).unwrap_or_default(),
                        if c.archived { "yes" } else { "" }.to_owned(),
                    ]);
                }
                println!("{t}");
            }
        }
        ClientCommand::Show { client } => print_client(&svc.get_client(client)?, &o),
        ClientCommand::Edit {
            client,
            name,
            fields: f,
            unarchive,
        } => {
            let c = svc.update_client(
                client,
                ClientChanges {
                    name: name.clone(),
                    email: f.email.clone(),
                    phone: f.phone.clone(),
                    address: f.address.clone(),
                    tax_id: f.tax_id.clone(),
                    notes: f.notes.clone(),
                    hourly_rate: f.rate.clone(),
                    currency: f.currency.clone(),
                    archived: unarchive.then_some(false),
                    tax_rate_percent: f.tax_rate.clone(),
                },
            )?;
            if o.json {
                println!("{}", json::client(&c));
            } else {
                println!("Updated client {:?} (id {})", c.name, c.id);
            }
        }
        ClientCommand::Archive { client } => print_deleted(
            svc.delete_client(DeleteClient {
                client: client.clone(),
                archive: true,
            })?,
            "client",
            &o,
        ),
        ClientCommand::Delete { client } => print_deleted(
            svc.delete_client(DeleteClient {
                client: client.clone(),
                archive: false,
            })?,
            "client",
            &o,
        ),
    }
    Ok(())
}

/// Runs `stint tag ...`.
pub fn tag(svc: &Service, cmd: &TagCommand) -> anyhow::Result<()> {
    let o = out();
    match cmd {
        TagCommand::Add { name } => {
            let t = svc.create_tag(name)?;
            if o.json {
                println!("{}", json::tag(&t));
            } else {
                println!("{} tag {:?} (id {})", o.paint.good("Created"), t.name, t.id);
            }
        }
        TagCommand::List { search } => {
            let mut items = Vec::new();
            let mut cursor = None;
            loop {
                let page = svc.list_tags(ListTags {
                    search: search.clone(),
                    limit: Some(500),
                    cursor,
                })?;
                items.extend(page.items);
                match page.next_cursor {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
            if o.json {
                println!("{}", json::tags(&items));
            } else if items.is_empty() {
                println!("No tags yet; create one with `stint tag add NAME`.");
            } else {
                let mut t = table();
                t.set_header(["id", "name", "tracks"]);
                for u in &items {
                    t.add_row([
                        u.tag.id.to_string(),
                        u.tag.name.clone(),
                        u.track_count.to_string(),
                    ]);
                }
                println!("{t}");
            }
        }
        TagCommand::Show { tag } => {
            let t = svc.get_tag(tag)?;
            if o.json {
                println!("{}", json::tag(&t));
            } else {
                println!("Tag {:?} (id {})", t.name, t.id);
            }
        }
        TagCommand::Edit { tag, name } => {
            let t = svc.update_tag(tag, name)?;
            if o.json {
                println!("{}", json::tag(&t));
            } else {
                println!("Renamed tag to {:?} (id {})", t.name, t.id);
            }
        }
        TagCommand::Delete { tag, force } => print_deleted(
            svc.delete_tag(DeleteTag {
                tag: tag.clone(),
                force: *force,
            })?,
            "tag",
            &o,
        ),
    }
    Ok(())
}

/// The error for a key that is not a setting: the valid keys, the closest first.
fn unknown_key(key: &str, keys: &[String]) -> anyhow::Error {
    let closest = keys
        .iter()
        .map(|k| (strsim::jaro_winkler(&key.to_lowercase(), k), k))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| format!(" Did you mean {k}?"))
        .unwrap_or_default();
    anyhow::anyhow!(
        "there is no setting {key:?}.{closest} Settings: {}",
        keys.join(", ")
    )
}

/// Runs `stint config ...`.
pub fn config(svc: &Service, cmd: &ConfigCommand) -> anyhow::Result<()> {
    let o = out();
    match cmd {
        ConfigCommand::Get { key } => {
            let v = svc.get_settings()?;
            let pairs = json::settings_pairs(&v);
            match key {
                None if o.json => println!("{}", json::settings(&v)),
                None => {
                    let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
                    for (k, v) in &pairs {
                        println!("{} = {v}", o.paint.bold(&format!("{k:width$}")));
                    }
                }
                Some(key) => {
                    let keys: Vec<String> = pairs.iter().map(|(k, _)| k.clone()).collect();
                    match pairs.iter().find(|(k, _)| k == key) {
                        Some((_, value)) if o.json => println!("{}", json::setting(key, value)),
                        Some((_, value)) => println!("{value}"),
                        None => return Err(unknown_key(key, &keys)),
                    }
                }
            }
        }
        ConfigCommand::Set { key, value } => {
            let keys = json::settable_keys();
            if !keys.contains(key) {
                return Err(unknown_key(key, &keys));
            }
            let changes = json::settings_change(key, value)
                .map_err(|e| anyhow::anyhow!("cannot set {key} to {value:?}: {e}"))?;
            let v = svc.update_settings(changes)?;
            if o.json {
                println!("{}", json::settings(&v));
            } else {
                let now = json::settings_pairs(&v)
                    .into_iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v)
                    .unwrap_or_else(|| value.clone());
                println!("Set {key} = {now}");
            }
        }
    }
    Ok(())
}
