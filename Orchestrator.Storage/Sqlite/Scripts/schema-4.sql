-- Schema 4: journals (Orchestrator.Storage/Journals): ordered, append-only, deduplicated entries.
-- Sequence is the rowid with AUTOINCREMENT: SQLite has one writer at a time (every process included), so sequences
-- are handed out in commit order and a reader that has seen sequence N will never see a smaller one committed later.
-- AUTOINCREMENT also means a purged sequence is never handed out again, so an old cursor never skips a new entry.
-- Scope, Subscope and Correlation are what readers filter by; each index ends in the rowid, so reads are in order.
CREATE TABLE Journal (
    Sequence     INTEGER PRIMARY KEY AUTOINCREMENT,
    Stream       TEXT NOT NULL,
    DedupeKey    TEXT NOT NULL,
    Scope        TEXT,
    Subscope     TEXT,
    Correlation  TEXT,
    Body         TEXT NOT NULL,
    RecordedTime TEXT NOT NULL
);

CREATE UNIQUE INDEX UX_Journal_Stream_DedupeKey ON Journal (Stream, DedupeKey);
CREATE INDEX IX_Journal_Stream ON Journal (Stream);
CREATE INDEX IX_Journal_Stream_Scope ON Journal (Stream, Scope);
CREATE INDEX IX_Journal_Stream_Scope_Subscope ON Journal (Stream, Scope, Subscope);
CREATE INDEX IX_Journal_Stream_Subscope ON Journal (Stream, Subscope);
CREATE INDEX IX_Journal_Stream_Correlation ON Journal (Stream, Correlation) WHERE Correlation IS NOT NULL;
CREATE INDEX IX_Journal_Stream_Recorded ON Journal (Stream, RecordedTime);
