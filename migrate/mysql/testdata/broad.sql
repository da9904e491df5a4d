-- A broad MariaDB schema written from the MariaDB and MySQL data type
-- references: every numeric type signed and unsigned, every string, binary,
-- blob and text type, enum/set with odd labels, JSON, BIT, geometry, date and
-- time types with fractional seconds, zero-date defaults, composite and
-- non-integer primary keys, a table without one, awkward identifiers,
-- prefix and composite indexes and foreign keys.

CREATE TABLE numbers (
    id INT NOT NULL AUTO_INCREMENT COMMENT 'surrogate key',
    t TINYINT, tu TINYINT UNSIGNED, flag TINYINT(1) NOT NULL DEFAULT 1,
    s SMALLINT, su SMALLINT UNSIGNED,
    m MEDIUMINT, mu MEDIUMINT UNSIGNED,
    i INT DEFAULT -5, iu INT UNSIGNED, iz INT(8) UNSIGNED ZEROFILL,
    b BIGINT, bu BIGINT UNSIGNED DEFAULT 18446744073709551615,
    f FLOAT, fu FLOAT UNSIGNED, d DOUBLE DEFAULT 1.5, du DOUBLE UNSIGNED, r REAL,
    dec1 DECIMAL(10,2) DEFAULT '0.00', dec2 DECIMAL(65,30) UNSIGNED, dec3 NUMERIC(5),
    bit1 BIT(1) DEFAULT b'1', bit8 BIT(8), bit64 BIT(64) DEFAULT b'101',
    PRIMARY KEY (id)
) COMMENT = 'every numeric type';

CREATE TABLE strings (
    code CHAR(3) NOT NULL, name VARCHAR(255) NOT NULL DEFAULT 'it''s', latin VARCHAR(20) CHARACTER SET latin1,
    tt TINYTEXT, tx TEXT, mt MEDIUMTEXT, lt LONGTEXT,
    bn BINARY(16), vb VARBINARY(200), tb TINYBLOB, bl BLOB, mb MEDIUMBLOB, lb LONGBLOB,
    mood ENUM('happy', 'sad', '', 'it''s', 'with,comma', 'Ünïcödé') NOT NULL DEFAULT 'sad',
    tags SET('a', 'b c', 'd''e') DEFAULT 'a,b c',
    doc JSON,
    place POINT, shape GEOMETRY,
    PRIMARY KEY (code)
);

CREATE TABLE times (
    dt DATETIME, dt6 DATETIME(6) NOT NULL DEFAULT '0000-00-00 00:00:00.000000',
    ts TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    d DATE NOT NULL DEFAULT '0000-00-00', d2 DATE DEFAULT '2020-02-29',
    tm TIME, tm2 TIME(2) DEFAULT '12:34:56.78', y YEAR DEFAULT 2024,
    created DATETIME DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE order_lines (
    order_code CHAR(3) NOT NULL, line SMALLINT UNSIGNED NOT NULL, qty INT NOT NULL DEFAULT 1,
    note VARCHAR(500),
    PRIMARY KEY (order_code, line),
    KEY note_prefix (note(20)),
    UNIQUE KEY qty_note (qty, note(10)),
    CONSTRAINT lines_code FOREIGN KEY (order_code) REFERENCES strings (code) ON DELETE CASCADE ON UPDATE RESTRICT
);

CREATE TABLE `CamelCase` (
    `Id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    `select` INT, `user-name` VARCHAR(40), `order` INT, `with space` TEXT, `quote"d` INT,
    PRIMARY KEY (`Id`),
    UNIQUE KEY `UserName` (`user-name`),
    KEY `order_select` (`order`, `select` DESC)
);

CREATE TABLE a_table_name_that_is_exactly_sixty_four_characters_long_abcdefg (
    a_column_name_that_is_exactly_sixty_four_characters_long_abcdefg INT,
    a_column_name_that_is_exactly_sixty_four_characters_long_abcdefh INT,
    ref BIGINT UNSIGNED,
    KEY an_index_name_that_is_exactly_sixty_four_characters_long_abcdefg (ref),
    CONSTRAINT long_fk FOREIGN KEY (ref) REFERENCES `CamelCase` (`Id`)
) COMMENT = 'no primary key; 64-character names';
