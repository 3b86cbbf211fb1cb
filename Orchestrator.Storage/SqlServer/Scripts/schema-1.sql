-- Schema 1 of Orchestrator's own tables on SQL Server, in the orchestrator schema (Microsoft's provider owns dt).
-- Journal: ordered, append-only, deduplicated entries (Orchestrator.Storage/Journals).
--
-- The order is the rowversion column, not an IDENTITY: an IDENTITY value is taken when a row is inserted, so a
-- transaction that inserted 11 may commit after another committed 12, and a reader that resumed after 12 would never
-- see 11. Readers read only rows below MIN_ACTIVE_ROWVERSION(): every rowversion below it belongs to a committed
-- transaction, and every write still to come gets a higher one, so the last version a reader saw is a cursor that
-- skips nothing. Rows are never updated, so a row's version never changes.
CREATE TABLE orchestrator.Journal (
    Version      ROWVERSION NOT NULL,
    Stream       NVARCHAR(100) NOT NULL,
    DedupeKey    NVARCHAR(400) NOT NULL,
    Scope        NVARCHAR(256) NULL,
    Subscope     NVARCHAR(256) NULL,
    Correlation  NVARCHAR(400) NULL,
    Body         NVARCHAR(MAX) NOT NULL,
    RecordedTime DATETIME2(7) NOT NULL,
    CONSTRAINT PK_Journal PRIMARY KEY CLUSTERED (Version)
);

-- Every non-unique index carries the clustering key (Version) after its own columns, so each read is in order.
CREATE UNIQUE INDEX UX_Journal_Stream_DedupeKey ON orchestrator.Journal (Stream, DedupeKey);
CREATE INDEX IX_Journal_Stream ON orchestrator.Journal (Stream);
CREATE INDEX IX_Journal_Stream_Scope ON orchestrator.Journal (Stream, Scope);
CREATE INDEX IX_Journal_Stream_Scope_Subscope ON orchestrator.Journal (Stream, Scope, Subscope);
CREATE INDEX IX_Journal_Stream_Subscope ON orchestrator.Journal (Stream, Subscope);
CREATE INDEX IX_Journal_Stream_Correlation ON orchestrator.Journal (Stream, Correlation) WHERE Correlation IS NOT NULL;
CREATE INDEX IX_Journal_Stream_Recorded ON orchestrator.Journal (Stream, RecordedTime);
