-- A broad SQLite schema: declared types of every affinity and none,
-- awkward identifiers, rowid aliases with and without AUTOINCREMENT, a
-- WITHOUT ROWID table, composite and missing keys, expression and partial
-- indexes, foreign keys spelled in another case or naming no columns,
-- generated columns, sloppy defaults, a virtual table and a view.
CREATE TABLE "Customers" (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    "Full Name" VARCHAR(100) NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    archived BOOL DEFAULT 0,
    score DECIMAL(10, 2) DEFAULT '0.00',
    balance NUMERIC DEFAULT -1.5,
    created DATETIME DEFAULT CURRENT_TIMESTAMP,
    updated TIMESTAMP DEFAULT (datetime('now')),
    born DATE DEFAULT '2000-01-01',
    wake TIME,
    prefs JSON DEFAULT '{}',
    photo BLOB,
    anything,
    ratio REAL DEFAULT 0.5,
    weight DOUBLE PRECISION,
    height FLOAT,
    code CHAR(8),
    nick NVARCHAR(20) COLLATE NOCASE,
    notes CLOB DEFAULT 'it''s',
    uid UUID,
    bigone UNSIGNED BIG INT DEFAULT 'abc',
    huge INT8 DEFAULT '42',
    "select" TEXT,
    "order" INTEGER,
    money MONEY
);
CREATE UNIQUE INDEX customers_email ON "Customers" (lower(email) COLLATE NOCASE, "order" DESC);
CREATE INDEX "Customers by name" ON "Customers" ("Full Name" DESC, id);
CREATE INDEX customers_active ON "Customers" (id) WHERE active;

CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (ID) ON DELETE CASCADE,
    total DECIMAL(12, 2) NOT NULL,
    placed DATE,
    UNIQUE (customer_id, placed)
);

CREATE TABLE order_lines (
    order_id INTEGER,
    line INT,
    sku TEXT NOT NULL,
    PRIMARY KEY (order_id, line),
    FOREIGN KEY (order_id) REFERENCES orders ON UPDATE CASCADE ON DELETE RESTRICT
);

CREATE TABLE "Key Value" ("Key" TEXT PRIMARY KEY, "Value") WITHOUT ROWID;
CREATE TABLE int_pk (id INT PRIMARY KEY, v TEXT);
CREATE TABLE audit_log (at DATETIME, message TEXT);
CREATE TABLE gen (a INTEGER, b INTEGER GENERATED ALWAYS AS (a * 2) STORED, c GENERATED ALWAYS AS (a + 1) VIRTUAL);
CREATE VIRTUAL TABLE docs USING fts5(body);
CREATE VIEW customer_names AS SELECT "Full Name" FROM "Customers";
