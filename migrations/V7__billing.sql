-- stint schema, version 7: expenses, a tax rate per invoice line, invoice discounts, the day an
-- invoice was paid, and the record of what each invoice billed.
--
-- Columns are only appended (ALTER TABLE ADD COLUMN): the change log records rows by column
-- position, so tables are never rebuilt or reordered. New tables have an explicit primary key so
-- the change log records them.

-- An expense billed beside time: an amount in minor units of its currency (cents; yen; fils),
-- on a local date, on a project. `invoice_id` is set while an invoice holds it.
CREATE TABLE expenses (
    id               INTEGER PRIMARY KEY,
    project_id       INTEGER NOT NULL REFERENCES projects (id),
    expense_date     TEXT    NOT NULL,
    amount_minor     INTEGER NOT NULL CHECK (amount_minor >= 0),
    currency         TEXT    NOT NULL,
    description      TEXT    NOT NULL,
    billable         INTEGER NOT NULL DEFAULT 1 CHECK (billable IN (0, 1)),
    -- NULL: the invoice's tax rate applies.
    tax_rate_percent TEXT,
    -- Stored as text only; never opened by stint.
    receipt_path     TEXT,
    invoice_id       INTEGER REFERENCES invoices (id),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX expenses_project_date ON expenses (project_id, expense_date);
CREATE INDEX expenses_invoice ON expenses (invoice_id) WHERE invoice_id IS NOT NULL;

-- Discount before tax: a percent or a fixed amount (the inputs), and the amount it came to.
ALTER TABLE invoices ADD COLUMN discount_percent TEXT;
ALTER TABLE invoices ADD COLUMN discount_amount TEXT;
ALTER TABLE invoices ADD COLUMN discount TEXT NOT NULL DEFAULT '0';
-- The local date the payment arrived (paid_at is the instant it was recorded).
ALTER TABLE invoices ADD COLUMN paid_on TEXT;

-- NULL: the invoice's tax rate (time lines, and lines written before version 7).
ALTER TABLE invoice_lines ADD COLUMN tax_rate_percent TEXT;
-- The expense an expense line bills (NULL for time lines).
ALTER TABLE invoice_lines ADD COLUMN expense_id INTEGER REFERENCES expenses (id);

-- What each invoice billed, kept when a void invoice releases its tracks and expenses.
CREATE TABLE invoice_items (
    invoice_id    INTEGER NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL CHECK (kind IN ('track', 'expense')),
    item_id       INTEGER NOT NULL,
    line_position INTEGER NOT NULL,
    PRIMARY KEY (invoice_id, kind, item_id)
) WITHOUT ROWID;
CREATE INDEX invoice_items_item ON invoice_items (kind, item_id);

-- Invoices that hold tracks today: record what they billed.
INSERT INTO invoice_items (invoice_id, kind, item_id, line_position)
SELECT t.invoice_id, 'track', t.id, l.position
  FROM tracks t JOIN invoice_lines l ON l.id = t.invoice_line_id
 WHERE t.invoice_id IS NOT NULL;
