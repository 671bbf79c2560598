//! Two races the four-device property test (`every_table_converges_on_four_devices`) found,
//! played step by step so that they do not depend on the devices' random numbers: ids are
//! `seq * 64 + device_no`, so a row a device makes as its first of a table has a lower id
//! than one another device makes as its third, whatever their device numbers.

use stint::service::{DeleteClient, DeleteProject, NewClient, NewInvoice, NewProject, NewTrack};

use super::sync_converge::{Device, assert_same};

fn client(d: &Device, name: &str) {
    d.svc
        .create_client(NewClient {
            name: name.into(),
            ..Default::default()
        })
        .unwrap();
}

fn project(d: &Device, name: &str, client: Option<&str>) {
    d.svc
        .create_project(NewProject {
            name: name.into(),
            client: client.map(Into::into),
            ..Default::default()
        })
        .unwrap();
}

/// A billable track "work" on 2026-10-17, 09:00 to 10:30 UTC, made on `d`: its id.
fn work_track(d: &Device) -> i64 {
    d.svc
        .create_track(NewTrack {
            start: "2026-10-17T09:00:00Z".into(),
            end: Some("2026-10-17T10:30:00Z".into()),
            billable: Some(true),
            description: Some("work".into()),
            ..Default::default()
        })
        .unwrap()
        .track
        .id
        .0
}

/// An invoice of October 2026: every billable track not yet invoiced.
fn october() -> NewInvoice {
    NewInvoice {
        from: "2026-10-01".into(),
        to: "2026-10-31".into(),
        ..Default::default()
    }
}

/// `(id, name, client_id)` of every project.
fn projects(d: &Device) -> Vec<(i64, String, Option<i64>)> {
    let conn = rusqlite::Connection::open(d.db()).unwrap();
    let mut st = conn
        .prepare("SELECT id, name, client_id FROM projects ORDER BY id")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// A project whose client was deleted elsewhere loses its client here ("kept without its
/// client_id") and so comes to hold the name of a project made without a client on a third
/// device. Device B clears the reference while both projects are there and used to merge
/// them (the lower id stays: C's), so C's delete of its own project took A's with it; the
/// devices that had C's project deleted before A's arrived kept A's. Now the project that
/// only holds the name by the clearing gives way, and A's "Docs" stays everywhere.
#[test]
fn a_project_orphaned_into_a_name_gives_way_to_the_one_that_claimed_it() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b, c) = (Device::new(), Device::new(), Device::new());
    for d in [&a, &b, &c] {
        d.sync(folder.path());
    }
    // B's "Globex" is its first client (low id), and B deletes it.
    client(&b, "Globex");
    b.svc
        .delete_client(DeleteClient {
            client: "Globex".into(),
            archive: false,
        })
        .unwrap();
    // A's "Globex" is its third client (higher id); C sees it before B's delete.
    for n in ["Acme", "Initech", "Globex"] {
        client(&a, n);
    }
    a.sync(folder.path());
    c.sync(folder.path());
    // C's "Docs" for Globex is its first project (low id), deleted at once.
    c.clock.advance(60);
    project(&c, "Docs", Some("Globex"));
    c.svc
        .delete_project(DeleteProject {
            project: "Docs".into(),
            archive: false,
        })
        .unwrap();
    // A's "Docs" without a client is its third project (higher id), made before C's.
    project(&a, "Website", None);
    project(&a, "App", None);
    project(&a, "Docs", None);
    a.sync(folder.path());
    c.sync(folder.path());
    // B gets A's and C's files together: A's "Docs" is there when C's is cleared.
    b.sync(folder.path());
    for _ in 0..2 {
        for d in [&a, &b, &c] {
            d.sync(folder.path());
        }
    }
    assert_same(&[&a, &b, &c]);
    let names: Vec<(String, Option<i64>)> =
        projects(&b).into_iter().map(|(_, n, c)| (n, c)).collect();
    assert_eq!(
        names,
        [
            ("Website".to_owned(), None),
            ("App".to_owned(), None),
            ("Docs".to_owned(), None)
        ]
    );
}

/// A track deleted on one device while the billing device, not knowing it, put the track on
/// an invoice (and voided the invoice): the deleting device brings the track back when the
/// invoice arrives ("it is back"), so the billing device, which has the invoice first, keeps
/// it when the delete arrives. It used to delete it there: the two ended different for good.
#[test]
fn a_track_deleted_while_the_billing_device_invoiced_it_is_kept_everywhere() {
    let folder = tempfile::tempdir().unwrap();
    let (billing, other) = (Device::new(), Device::new());
    billing.sync(folder.path());
    other.sync(folder.path());
    let track = work_track(&billing);
    billing.sync(folder.path());
    other.sync(folder.path());
    other.svc.delete_track(track).unwrap();
    billing.clock.advance(60);
    let invoice = billing.svc.create_invoice(october()).unwrap();
    billing.svc.void_invoice(&invoice.id.to_string()).unwrap();
    other.sync(folder.path());
    billing.sync(folder.path());
    other.sync(folder.path());
    assert_same(&[&billing, &other]);
    assert_eq!(
        billing.count(&format!(
            "SELECT count(*) FROM tracks WHERE id = {} AND invoice_id IS NULL",
            track
        )),
        1
    );
}

/// A track deleted and the delete undone on one device (a re-insert), while another device
/// deleted it later: the later delete wins everywhere. The device that deleted last used to
/// take the older delete's clock when it arrived (the row was already gone), so the re-insert
/// between the two came back there and nowhere else.
#[test]
fn an_older_delete_arriving_after_a_newer_one_does_not_let_an_undone_delete_back_in() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = (Device::new(), Device::new());
    a.sync(folder.path());
    b.sync(folder.path());
    let track = a
        .svc
        .create_track(NewTrack {
            start: "2026-10-08T09:00:00Z".into(),
            end: Some("2026-10-08T10:14:00Z".into()),
            description: Some("work".into()),
            ..Default::default()
        })
        .unwrap();
    let id = track.track.id.0;
    a.sync(folder.path());
    b.sync(folder.path());
    b.clock.advance(10);
    b.svc.delete_track(id).unwrap();
    b.clock.advance(10);
    b.svc.undo_change(None).unwrap();
    a.clock.advance(60);
    a.svc.delete_track(id).unwrap();
    b.sync(folder.path());
    a.sync(folder.path());
    b.sync(folder.path());
    assert_same(&[&a, &b]);
    for d in [&a, &b] {
        assert_eq!(
            d.count(&format!("SELECT count(*) FROM tracks WHERE id = {id}")),
            0
        );
    }
}

/// A draft holding back an edit of a track names it (`draft_of`, `ON DELETE SET NULL`). One
/// device proposes an edit (a draft) while a second deletes the track without knowing of the
/// draft and the billing device, knowing of neither, invoices the track: the track comes back
/// everywhere (the invoice keeps it), and the draft names it again on the devices where the
/// delete let go of the link, as it does where the link was never let go of.
#[test]
fn a_track_deleted_while_invoiced_keeps_the_draft_that_holds_back_its_edit() {
    use stint::service::{Caller, Frontend, TrackChanges};
    let folder = tempfile::tempdir().unwrap();
    let (billing, other, drafter) = (Device::new(), Device::new(), Device::new());
    for d in [&billing, &other, &drafter] {
        d.sync(folder.path());
    }
    let track = work_track(&billing);
    billing.sync(folder.path());
    other.sync(folder.path());
    drafter.sync(folder.path());
    drafter.clock.advance(20);
    drafter
        .svc
        .for_caller(Caller::local(Frontend::McpStdio).with_drafts(true))
        .update_track(
            track,
            TrackChanges {
                description: Some("proposed".into()),
                ..Default::default()
            },
        )
        .unwrap();
    other.clock.advance(30);
    other.svc.delete_track(track).unwrap();
    billing.clock.advance(60);
    let invoice = billing.svc.create_invoice(october()).unwrap();
    billing
        .svc
        .mark_invoice_sent(&invoice.id.to_string(), None)
        .unwrap();
    // The draft reaches the deleting device before its delete goes out, and the delete
    // reaches the drafter before the invoice does.
    drafter.sync(folder.path());
    other.sync(folder.path());
    drafter.sync(folder.path());
    billing.sync(folder.path());
    for _ in 0..2 {
        for d in [&other, &drafter, &billing] {
            d.sync(folder.path());
        }
    }
    assert_same(&[&billing, &other, &drafter]);
    let linked = format!(
        "SELECT count(*) FROM tracks WHERE draft = 1 AND draft_of = {}",
        track
    );
    assert_eq!(billing.count(&linked), 1, "the draft names its track again");
}

/// An edit of a track made on one device while the billing device, not knowing of it, put the
/// track on an invoice and voided the invoice: the invoice's version of the track wins on every
/// device. The editing device, which got the invoice (sent with the track in full) after its
/// edit, kept the invoice's version; the billing device, which got the edit after the void,
/// used to apply it, and the two ended different for good.
#[test]
fn an_edit_made_without_knowing_of_an_invoice_loses_to_it_even_once_voided() {
    use stint::service::TrackChanges;
    let folder = tempfile::tempdir().unwrap();
    let (billing, other) = (Device::new(), Device::new());
    billing.sync(folder.path());
    other.clock.advance(7);
    work_track(&other);
    // Joining renumbers the track.
    other.sync(folder.path());
    let id = other.count("SELECT id FROM tracks");
    other.clock.advance(14);
    other
        .svc
        .update_track(
            id,
            TrackChanges {
                description: Some("edited".into()),
                ..Default::default()
            },
        )
        .unwrap();
    billing.clock.advance(14);
    billing.sync(folder.path());
    billing.clock.advance(7);
    let invoice = billing.svc.create_invoice(october()).unwrap();
    billing.clock.advance(7);
    billing.svc.void_invoice(&invoice.id.to_string()).unwrap();
    for _ in 0..2 {
        billing.sync(folder.path());
        other.sync(folder.path());
    }
    assert_same(&[&billing, &other]);
    assert_eq!(
        billing.count(&format!(
            "SELECT count(*) FROM tracks WHERE id = {id} AND description = 'work'"
        )),
        1
    );
}

/// Two invoices put one track on them on two devices (the later one wins), while a third device
/// deletes the track knowing of neither. The deleting device gets the track back with the first
/// invoice that arrives; the second, arriving next, used to win there whatever its stamp, so the
/// track ended on the earlier invoice there and on the later one elsewhere.
#[test]
fn a_track_two_invoices_claimed_while_deleted_elsewhere_ends_on_the_later_invoice() {
    let folder = tempfile::tempdir().unwrap();
    let (billing, other, deleter) = (Device::new(), Device::new(), Device::new());
    for d in [&billing, &other, &deleter] {
        d.sync(folder.path());
    }
    let track = work_track(&other);
    other.sync(folder.path());
    billing.sync(folder.path());
    deleter.sync(folder.path());
    other.clock.advance(10);
    let earlier = other.svc.create_invoice(october()).unwrap();
    billing.clock.advance(60);
    let later = billing.svc.create_invoice(october()).unwrap();
    deleter.clock.advance(30);
    deleter.svc.delete_track(track).unwrap();
    // The later invoice reaches the deleting device first, the earlier one next.
    billing.sync(folder.path());
    deleter.sync(folder.path());
    other.sync(folder.path());
    deleter.sync(folder.path());
    for _ in 0..2 {
        for d in [&billing, &other, &deleter] {
            d.sync(folder.path());
        }
    }
    assert_same(&[&billing, &other, &deleter]);
    assert_ne!(earlier.id, later.id);
    assert_eq!(
        deleter.count(&format!(
            "SELECT invoice_id FROM tracks WHERE id = {}",
            track
        )),
        later.id.0
    );
}
