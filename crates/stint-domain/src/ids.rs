//! Id newtypes, so the id of one kind of row cannot be passed where another is expected.
//!
//! Ids are SQLite `INTEGER PRIMARY KEY` values (positive `i64`).

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// Id of a track (a finished time entry, or a running timer).
    TrackId
);
id_type!(
    /// Id of a project.
    ProjectId
);
id_type!(
    /// Id of a client.
    ClientId
);
id_type!(
    /// Id of a tag.
    TagId
);
id_type!(
    /// Id of an invoice.
    InvoiceId
);
id_type!(
    /// Id of a task (work under a project).
    TaskId
);
id_type!(
    /// Id of an expense.
    ExpenseId
);
id_type!(
    /// Id of a milestone (a stage of a project that holds tasks).
    MilestoneId
);
id_type!(
    /// Id of a person of a team other than the owner (the owner has no id: `None` wherever a
    /// person is optional means the owner; migrations/V13__people.sql).
    PersonId
);
