-- Schema 1: the durable store for DurableTask.Core on SQLite, shaped like DurableTask.SqlServer.
-- Times are UTC ISO-8601 text with 7 fractional digits, so text order is time order.

-- One row per orchestration instance: its current execution, status and the orchestration lock.
-- LockedBy holds "<worker>:<token>" so a stale completion from an expired lock can never overwrite
-- the work of the worker that took the instance over.
CREATE TABLE Instances (
    InstanceId       TEXT NOT NULL PRIMARY KEY,
    ExecutionId      TEXT NOT NULL,
    Name             TEXT NOT NULL,
    Version          TEXT,
    RuntimeStatus    TEXT NOT NULL,
    CreatedTime      TEXT NOT NULL,
    LastUpdatedTime  TEXT NOT NULL,
    CompletedTime    TEXT,
    ScheduledStartTime TEXT,
    Input            TEXT,
    Output           TEXT,
    CustomStatus     TEXT,
    FailureDetails   TEXT,
    Tags             TEXT,
    ParentInstanceId TEXT,
    LockedBy         TEXT,
    LockExpiration   TEXT
);

-- Dashboards list newest first, optionally by status; keyset paging on (CreatedTime, InstanceId).
CREATE INDEX IX_Instances_Created ON Instances (CreatedTime DESC, InstanceId DESC);
CREATE INDEX IX_Instances_Status_Created ON Instances (RuntimeStatus, CreatedTime DESC, InstanceId DESC);
CREATE INDEX IX_Instances_Completed ON Instances (CompletedTime) WHERE CompletedTime IS NOT NULL;

-- Messages for orchestrations. VisibleTime in the future is how durable timers and back-off wait:
-- visibility is per row, so a far timer never hides an instance's other events.
CREATE TABLE NewEvents (
    SequenceNumber INTEGER PRIMARY KEY AUTOINCREMENT,
    InstanceId     TEXT NOT NULL,
    ExecutionId    TEXT,
    EventType      TEXT NOT NULL,
    VisibleTime    TEXT NOT NULL,
    DequeueCount   INTEGER NOT NULL DEFAULT 0,
    CreatedTime    TEXT NOT NULL,
    Message        TEXT NOT NULL
);

CREATE INDEX IX_NewEvents_Visible ON NewEvents (VisibleTime, InstanceId);
CREATE INDEX IX_NewEvents_Instance ON NewEvents (InstanceId, SequenceNumber);

-- The history of each instance's current execution; ContinueAsNew replaces it, so it stays small.
CREATE TABLE History (
    InstanceId     TEXT NOT NULL,
    ExecutionId    TEXT NOT NULL,
    SequenceNumber INTEGER NOT NULL,
    EventType      TEXT NOT NULL,
    Timestamp      TEXT NOT NULL,
    Payload        TEXT NOT NULL,
    PRIMARY KEY (InstanceId, ExecutionId, SequenceNumber)
) WITHOUT ROWID;

-- Activity messages, each with its own lock: an activity is completed only by the lock holder,
-- in the same transaction that hands its result to the orchestration.
CREATE TABLE NewTasks (
    SequenceNumber INTEGER PRIMARY KEY AUTOINCREMENT,
    InstanceId     TEXT NOT NULL,
    ExecutionId    TEXT,
    Name           TEXT,
    VisibleTime    TEXT NOT NULL,
    LockedBy       TEXT,
    LockExpiration TEXT,
    DequeueCount   INTEGER NOT NULL DEFAULT 0,
    CreatedTime    TEXT NOT NULL,
    Message        TEXT NOT NULL
);

CREATE INDEX IX_NewTasks_Visible ON NewTasks (VisibleTime);
CREATE INDEX IX_NewTasks_Instance ON NewTasks (InstanceId);
