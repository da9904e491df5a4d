-- A broad PostgreSQL source schema: awkward identifiers, every built-in
-- type family, enums, domains, a composite type, serial and identity
-- columns, composite and missing keys, expression and partial indexes,
-- foreign keys with actions, a partitioned table and comments. It lives in
-- the schema legacy; public.countries is outside it.
CREATE TABLE public.countries (code char(2) PRIMARY KEY);

CREATE SCHEMA legacy;
SET search_path = legacy;

CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy', 'it''s complicated');
CREATE TYPE "Empty Enum" AS ENUM ();
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE DOMAIN short_code AS varchar(8);
CREATE DOMAIN shorter_code AS short_code;
CREATE TYPE address AS (street text, city text);

CREATE TABLE "Customers" (
    id serial PRIMARY KEY,
    "Full Name" varchar(100) NOT NULL,
    email text NOT NULL DEFAULT '',
    mood mood DEFAULT 'ok',
    moods mood[],
    nothing "Empty Enum",
    created timestamptz(3) NOT NULL DEFAULT now(),
    active boolean NOT NULL DEFAULT true,
    archived boolean DEFAULT false,
    score numeric(10,2) DEFAULT 0.00,
    balance numeric DEFAULT -1.5,
    country char(2) REFERENCES public.countries (code),
    note text DEFAULT 'it''s \ here'
);
COMMENT ON TABLE "Customers" IS 'people who buy';
COMMENT ON COLUMN "Customers".email IS 'login, unique in lower case';
CREATE UNIQUE INDEX customers_email ON "Customers" (lower(email));
CREATE INDEX "Customers by name" ON "Customers" ("Full Name" DESC, id);
CREATE INDEX customers_active ON "Customers" (id) WHERE active;

CREATE TABLE "order" (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES "Customers" (id) ON DELETE CASCADE,
    "select" text,
    total numeric(12,2) NOT NULL,
    total_cents bigint GENERATED ALWAYS AS ((total * 100)::bigint) STORED,
    qty posint,
    code shorter_code,
    ship address,
    placed date DEFAULT CURRENT_DATE,
    tags text[] DEFAULT '{}',
    doc jsonb DEFAULT '{}'::jsonb,
    kind regclass
);
CREATE INDEX order_doc ON "order" USING gin (doc);
CREATE INDEX order_customer ON "order" (customer_id) INCLUDE (total);

CREATE TABLE order_lines (
    order_id bigint,
    line smallint,
    sku char(8) NOT NULL,
    price numeric(12,2),
    PRIMARY KEY (order_id, line),
    CONSTRAINT lines_order FOREIGN KEY (order_id) REFERENCES "order" (id) ON UPDATE CASCADE ON DELETE RESTRICT
);

CREATE TABLE "Key Value" ("Key" text, "Value" text, PRIMARY KEY ("Key"));
CREATE TABLE line_notes (
    order_id bigint,
    line smallint,
    note text,
    FOREIGN KEY (order_id, line) REFERENCES order_lines (order_id, line) ON DELETE SET NULL
);

CREATE TABLE audit_log (at timestamp(0), message text);

CREATE TABLE every_type (
    id integer PRIMARY KEY,
    i2 smallint, i4 integer, i8 bigint, num numeric(20,5), num_any numeric,
    f4 real, f8 double precision, cash money,
    c3 character(3), vc varchar(10), vc_any varchar, t text, qc "char", nm name,
    b bytea, flag boolean,
    d date, tm time(0), tmtz time with time zone, ts timestamp, tstz timestamp with time zone, iv interval,
    u uuid, j json, jb jsonb, x xml,
    ip inet, net cidr, mac macaddr,
    bits bit(4), vbits bit varying(8),
    pt point, bx box, tsv tsvector, r int4range,
    ints integer[], texts text[], grid integer[][],
    m mood
);

CREATE TABLE events (id bigint, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');

CREATE VIEW customer_names AS SELECT "Full Name" FROM "Customers";
