-- Schema 3: the store's convention (PascalCase names, times in columns named ...Time, IX_ indexes). Each table is
-- rebuilt under its new name and its rows copied over, so a catalog of schema 2 keeps everything it holds.
-- Times are UTC ISO-8601 text with 7 fractional digits (SqliteTime), so text order is time order.

ALTER TABLE databases RENAME TO databases_v2;
CREATE TABLE Databases (
    Name        TEXT NOT NULL PRIMARY KEY,
    Zone        TEXT NOT NULL,
    Location    TEXT NOT NULL,
    CreatedTime TEXT NOT NULL
);
INSERT INTO Databases (Name, Zone, Location, CreatedTime)
    SELECT name, zone, location, created_at FROM databases_v2;
DROP TABLE databases_v2;

ALTER TABLE tables RENAME TO tables_v2;
CREATE TABLE Tables (
    DatabaseName   TEXT NOT NULL,
    Name           TEXT NOT NULL,
    Location       TEXT NOT NULL,
    Classification TEXT NOT NULL,
    PartitionKeys  TEXT NOT NULL,
    CreatedTime    TEXT NOT NULL,
    UpdatedTime    TEXT NOT NULL,
    UpdatedBy      TEXT NOT NULL,
    PRIMARY KEY (DatabaseName, Name)
);
INSERT INTO Tables (DatabaseName, Name, Location, Classification, PartitionKeys, CreatedTime, UpdatedTime, UpdatedBy)
    SELECT database_name, name, location, classification, partition_keys, created_at, updated_at, updated_by
    FROM tables_v2;
DROP TABLE tables_v2;

ALTER TABLE columns RENAME TO columns_v2;
CREATE TABLE Columns (
    DatabaseName TEXT NOT NULL,
    TableName    TEXT NOT NULL,
    Position     INTEGER NOT NULL,
    Name         TEXT NOT NULL,
    Type         TEXT NOT NULL,
    SourceType   TEXT NOT NULL,
    PRIMARY KEY (DatabaseName, TableName, Name)
);
INSERT INTO Columns (DatabaseName, TableName, Position, Name, Type, SourceType)
    SELECT database_name, table_name, position, name, type, source_type FROM columns_v2;
DROP TABLE columns_v2;

-- Columns holds the partition's own schema as JSON (older files of a partition may lack newer columns).
ALTER TABLE partitions RENAME TO partitions_v2;
CREATE TABLE Partitions (
    DatabaseName    TEXT NOT NULL,
    TableName       TEXT NOT NULL,
    Location        TEXT NOT NULL,
    PartitionValues TEXT NOT NULL,
    FileCount       INTEGER NOT NULL,
    RowCount        INTEGER NOT NULL,
    SizeBytes       INTEGER NOT NULL,
    Fingerprint     TEXT NOT NULL,
    Columns         TEXT NOT NULL,
    CreatedTime     TEXT NOT NULL,
    UpdatedTime     TEXT NOT NULL,
    PRIMARY KEY (DatabaseName, TableName, Location)
);
INSERT INTO Partitions (DatabaseName, TableName, Location, PartitionValues, FileCount, RowCount, SizeBytes,
                        Fingerprint, Columns, CreatedTime, UpdatedTime)
    SELECT database_name, table_name, location, partition_values, file_count, row_count, size_bytes, fingerprint,
           columns, created_at, updated_at
    FROM partitions_v2;
DROP TABLE partitions_v2;

ALTER TABLE schema_changes RENAME TO schema_changes_v2;
CREATE TABLE SchemaChanges (
    Id           INTEGER PRIMARY KEY AUTOINCREMENT,
    DatabaseName TEXT NOT NULL,
    TableName    TEXT NOT NULL,
    ColumnName   TEXT NOT NULL,
    Change       TEXT NOT NULL,
    OldType      TEXT,
    NewType      TEXT NOT NULL,
    Location     TEXT,
    DetectedTime TEXT NOT NULL,
    DetectedBy   TEXT NOT NULL
);
INSERT INTO SchemaChanges (Id, DatabaseName, TableName, ColumnName, Change, OldType, NewType, Location, DetectedTime,
                           DetectedBy)
    SELECT id, database_name, table_name, column_name, change, old_type, new_type, location, detected_at, detected_by
    FROM schema_changes_v2;
DROP TABLE schema_changes_v2;

-- A crawl in progress is a RUNNING row whose Owner (ProcessOwner) renews LeaseExpiration.
ALTER TABLE crawls RENAME TO crawls_v2;
CREATE TABLE Crawls (
    Id              INTEGER PRIMARY KEY AUTOINCREMENT,
    CrawlerName     TEXT NOT NULL,
    Status          TEXT NOT NULL,
    StartedTime     TEXT NOT NULL,
    CompletedTime   TEXT,
    ErrorMessage    TEXT,
    TablesCreated   INTEGER,
    TablesUpdated   INTEGER,
    PartitionsAdded INTEGER,
    Owner           TEXT NOT NULL,
    LeaseExpiration TEXT NOT NULL,
    StopRequested   INTEGER NOT NULL DEFAULT 0,
    Restarts        INTEGER NOT NULL DEFAULT 0,
    Interrupted     INTEGER NOT NULL DEFAULT 0
);
INSERT INTO Crawls (Id, CrawlerName, Status, StartedTime, CompletedTime, ErrorMessage, TablesCreated, TablesUpdated,
                    PartitionsAdded, Owner, LeaseExpiration, StopRequested, Restarts, Interrupted)
    SELECT id, crawler_name, status, started_at, completed_at, error_message, tables_created, tables_updated,
           partitions_added, owner, lease_until, stop_requested, restarts, interrupted
    FROM crawls_v2;
DROP TABLE crawls_v2;
CREATE INDEX IX_Crawls_Crawler ON Crawls (CrawlerName, Id);
CREATE INDEX IX_Crawls_Status ON Crawls (Status);

-- An active job run (STARTING, RUNNING, STOPPING) is held the same way; Marker finds the run a step started.
ALTER TABLE job_runs RENAME TO job_runs_v2;
CREATE TABLE JobRuns (
    Id               TEXT NOT NULL PRIMARY KEY,
    JobName          TEXT NOT NULL,
    Marker           TEXT,
    State            TEXT NOT NULL,
    ErrorMessage     TEXT,
    Arguments        TEXT NOT NULL,
    StartedTime      TEXT NOT NULL,
    LastModifiedTime TEXT NOT NULL,
    CompletedTime    TEXT,
    Details          TEXT,
    Owner            TEXT NOT NULL,
    LeaseExpiration  TEXT NOT NULL,
    StopRequested    INTEGER NOT NULL DEFAULT 0,
    Restarts         INTEGER NOT NULL DEFAULT 0,
    Interrupted      INTEGER NOT NULL DEFAULT 0
);
INSERT INTO JobRuns (Id, JobName, Marker, State, ErrorMessage, Arguments, StartedTime, LastModifiedTime,
                     CompletedTime, Details, Owner, LeaseExpiration, StopRequested, Restarts, Interrupted)
    SELECT id, job_name, marker, state, error_message, arguments, started_on, last_modified_on, completed_on, details,
           owner, lease_until, stop_requested, restarts, interrupted
    FROM job_runs_v2;
DROP TABLE job_runs_v2;
CREATE INDEX IX_JobRuns_Job ON JobRuns (JobName, StartedTime);
CREATE INDEX IX_JobRuns_Marker ON JobRuns (JobName, Marker);
CREATE INDEX IX_JobRuns_State ON JobRuns (State);

-- A raw file a job turned into clean data, as it was then (a changed size or time makes it new again).
ALTER TABLE bookmarks RENAME TO bookmarks_v2;
CREATE TABLE Bookmarks (
    JobName       TEXT NOT NULL,
    Target        TEXT NOT NULL,
    Path          TEXT NOT NULL,
    Size          INTEGER NOT NULL,
    ModifiedTime  TEXT NOT NULL,
    RunId         TEXT NOT NULL,
    ProcessedTime TEXT NOT NULL,
    PRIMARY KEY (JobName, Target, Path)
);
INSERT INTO Bookmarks (JobName, Target, Path, Size, ModifiedTime, RunId, ProcessedTime)
    SELECT job_name, target, path, size, modified_at, run_id, processed_at FROM bookmarks_v2;
DROP TABLE bookmarks_v2;
