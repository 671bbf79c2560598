//! `stint person add|list|show|edit|archive|delete`: the people of a team from the terminal,
//! through the same service calls as the team tools; and `stint report --utilization`.

use clap::{Args, Subcommand};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

use stint_api::dto_people::{PeopleOut, PersonOut, UtilizationOut, pretty_json as pretty};
use stint_domain::people::Person;
use stint_domain::time::format_hmm;
use stint_service::{NewPerson, PersonChanges, Service};

/// `stint person`.
#[derive(Debug, Subcommand)]
pub enum PersonCommand {
    /// Add a person to the team (a member unless --role says otherwise).
    Add(AddArgs),
    /// List the team, the owner first.
    List(ListArgs),
    /// Show one person (a name, an id, me or owner).
    Show(PersonRef),
    /// Change a person (the owner too: name, email, capacity, cost rate).
    Edit(EditArgs),
    /// Archive a person: their tracks stay, they leave the lists (undo with edit --active).
    Archive(PersonRef),
    /// Delete a person who has no tracks or expenses.
    Delete(PersonRef),
}

/// A person named on the command line.
#[derive(Debug, Args)]
pub struct PersonRef {
    /// Name, id, me or owner.
    pub person: String,
}

/// `stint person add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The person's name, unique in the team.
    pub name: String,
    #[arg(long)]
    pub email: Option<String>,
    /// Hours of work a week (40, 22.5): the base of utilization.
    #[arg(long)]
    pub capacity: Option<String>,
    /// What an hour of their work costs (major units): the base of cost and margin.
    #[arg(long)]
    pub cost_rate: Option<String>,
    /// Currency of the cost rate [default: the setting default_currency].
    #[arg(long)]
    pub currency: Option<String>,
    /// member (own tracks only), manager (reads everyone's) or owner (everything).
    #[arg(long)]
    pub role: Option<String>,
}

/// `stint person list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Include archived people.
    #[arg(long)]
    pub archived: bool,
}

/// `stint person edit`.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// Name, id, me or owner.
    pub person: String,
    #[arg(long)]
    pub name: Option<String>,
    /// An empty value clears it.
    #[arg(long)]
    pub email: Option<String>,
    /// Hours a week; an empty value clears it.
    #[arg(long)]
    pub capacity: Option<String>,
    /// Cost of an hour; an empty value clears it.
    #[arg(long)]
    pub cost_rate: Option<String>,
    #[arg(long)]
    pub currency: Option<String>,
    #[arg(long)]
    pub role: Option<String>,
    /// Bring an archived person back.
    #[arg(long)]
    pub active: bool,
}

fn print_one(p: &Person) {
    if super::out().json {
        println!("{}", pretty(&PersonOut::from(p)));
        return;
    }
    println!("{}", line(p));
}

fn line(p: &Person) -> String {
    let mut parts = vec![format!(
        "{} ({}{})",
        p.name,
        p.role.as_str(),
        p.id.map(|i| format!(", id {i}")).unwrap_or_default()
    )];
    if let Some(c) = p.weekly_capacity_hours {
        parts.push(format!("{c} h/week"));
    }
    if let Some(r) = p.cost_rate {
        let cur = p
            .currency
            .map(|c| format!(" {}", c.code()))
            .unwrap_or_default();
        parts.push(format!("costs {r}{cur}/h"));
    }
    if let Some(e) = &p.email {
        parts.push(e.clone());
    }
    if p.archived {
        parts.push("archived".to_owned());
    }
    parts.join(", ")
}

/// Runs `stint person ...`.
pub fn person(svc: &Service, cmd: &PersonCommand) -> anyhow::Result<()> {
    match cmd {
        PersonCommand::Add(a) => print_one(&svc.create_person(NewPerson {
            name: a.name.clone(),
            email: a.email.clone(),
            weekly_capacity_hours: a.capacity.clone(),
            cost_rate: a.cost_rate.clone(),
            currency: a.currency.clone(),
            role: a.role.clone(),
        })?),
        PersonCommand::List(a) => {
            let people = svc.list_people(a.archived)?;
            if super::out().json {
                println!(
                    "{}",
                    pretty(&PeopleOut {
                        people: people.iter().map(Into::into).collect(),
                    })
                );
                return Ok(());
            }
            let mut t = Table::new();
            t.load_preset(UTF8_FULL_CONDENSED)
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_header(["id", "name", "role", "h/week", "cost/h", "email"]);
            for p in &people {
                t.add_row([
                    p.id.map(|i| i.to_string()).unwrap_or_default(),
                    if p.archived {
                        format!("{} (archived)", p.name)
                    } else {
                        p.name.clone()
                    },
                    p.role.as_str().to_owned(),
                    p.weekly_capacity_hours
                        .map(|c| c.to_string())
                        .unwrap_or_default(),
                    p.cost_rate
                        .map(|r| {
                            format!(
                                "{r}{}",
                                p.currency
                                    .map(|c| format!(" {}", c.code()))
                                    .unwrap_or_default()
                            )
                        })
                        .unwrap_or_default(),
                    p.email.clone().unwrap_or_default(),
                ]);
            }
            println!("{t}");
        }
        PersonCommand::Show(r) => print_one(&svc.get_person(&r.person)?),
        PersonCommand::Edit(a) => print_one(&svc.update_person(
            &a.person,
            PersonChanges {
                name: a.name.clone(),
                email: a.email.clone(),
                weekly_capacity_hours: a.capacity.clone(),
                cost_rate: a.cost_rate.clone(),
                currency: a.currency.clone(),
                role: a.role.clone(),
                archived: a.active.then_some(false),
            },
        )?),
        PersonCommand::Archive(r) => print_one(&svc.update_person(
            &r.person,
            PersonChanges {
                archived: Some(true),
                ..PersonChanges::default()
            },
        )?),
        PersonCommand::Delete(r) => {
            let p = svc.delete_person(&r.person)?;
            if super::out().json {
                println!("{}", pretty(&PersonOut::from(&p)));
            } else {
                println!("Deleted {}", line(&p));
            }
        }
    }
    Ok(())
}

fn money(m: &BTreeMap<String, Decimal>) -> String {
    m.iter()
        .map(|(c, v)| format!("{v} {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `stint report --utilization`: per person, then per project and client.
pub fn utilization(
    svc: &Service,
    from: Option<&str>,
    to: Option<&str>,
    person: Option<&str>,
) -> anyhow::Result<()> {
    let u = svc.utilization(from, to, person)?;
    let out = UtilizationOut::from(&u);
    if super::out().json {
        println!("{}", pretty(&out));
        return Ok(());
    }
    print!("{}", utilization_tables(&u));
    Ok(())
}

/// The utilization report as text: a table of people (and the team), one of projects and
/// one of clients, then the range.
pub fn utilization_tables(u: &stint_service::Utilization) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_header([
        "person",
        "hours",
        "billable",
        "capacity",
        "utilization",
        "billed",
        "cost",
    ]);
    for p in u.people.iter().chain(std::iter::once(&u.team)) {
        t.add_row([
            p.name.clone(),
            format_hmm(p.duration_seconds),
            format_hmm(p.billable_seconds),
            p.capacity_seconds.map(format_hmm).unwrap_or_default(),
            p.utilization_percent
                .map(|x| format!("{x} %"))
                .unwrap_or_default(),
            money(&p.billed),
            p.cost.as_ref().map(money).unwrap_or_default(),
        ]);
    }
    let mut m = Table::new();
    m.load_preset(UTF8_FULL_CONDENSED)
        .set_header(["project", "client", "hours", "billed", "cost", "margin"]);
    for r in &u.projects {
        m.add_row([
            r.name.clone(),
            r.client.clone().unwrap_or_default(),
            format_hmm(r.duration_seconds),
            money(&r.billed),
            r.cost.as_ref().map(money).unwrap_or_default(),
            r.margin.as_ref().map(money).unwrap_or_default(),
        ]);
    }
    let mut c = Table::new();
    c.load_preset(UTF8_FULL_CONDENSED)
        .set_header(["client", "hours", "billed", "cost", "margin"]);
    for r in &u.clients {
        c.add_row([
            r.name.clone(),
            format_hmm(r.duration_seconds),
            money(&r.billed),
            r.cost.as_ref().map(money).unwrap_or_default(),
            r.margin.as_ref().map(money).unwrap_or_default(),
        ]);
    }
    let show = |x: chrono::DateTime<chrono::Utc>| {
        x.with_timezone(&u.timezone)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    format!(
        "{t}\n{m}\n{c}\n{} to {} ({} days of capacity)\n",
        show(u.start),
        show(u.end),
        u.days
    )
}
