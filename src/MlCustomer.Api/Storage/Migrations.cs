namespace MlCustomer.Api.Storage;

/// <summary>
/// One statement of a migration: the same text for both databases, or (where the dialects really differ) the
/// PostgreSQL text beside SQLite's.
/// </summary>
/// <param name="Sqlite">The statement as SQLite runs it (and PostgreSQL too, unless <paramref name="PostgreSql"/> is given).</param>
/// <param name="PostgreSql">PostgreSQL's own text, when it differs.</param>
internal sealed record MigrationStatement(string Sqlite, string? PostgreSql = null)
{
    /// <summary>A statement both databases accept as written.</summary>
    public static implicit operator MigrationStatement(string portable) => new(portable);

    /// <summary>The text for one database.</summary>
    public string For(bool postgreSql) => postgreSql ? PostgreSql ?? Sqlite : Sqlite;
}

/// <summary>
/// The database schema as ordered migrations; each runs once, in its own transaction, and is recorded in
/// <c>schema_version</c>. Append new ones, never edit applied ones. The SQL uses types and syntax that
/// SQLite and PostgreSQL both accept: TEXT ids made by the API, TEXT ISO-8601 timestamps, DOUBLE PRECISION, and BLOB
/// (in PostgreSQL a domain over bytea, <see cref="PostgreSqlPrelude"/>). A statement the two cannot share carries both texts.
/// </summary>
internal static class Migrations
{
    /// <summary>
    /// Run on PostgreSQL before the migrations: <c>blob</c> as a name for <c>bytea</c>, so the migrations' BLOB columns
    /// (and any appended later) mean the same in both databases. Idempotent.
    /// </summary>
    public const string PostgreSqlPrelude = """
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                           WHERE t.typname = 'blob' AND n.nspname = current_schema()) THEN
                CREATE DOMAIN blob AS bytea;
            END IF;
        END $$
        """;

    public const string VersionTable = """
        CREATE TABLE IF NOT EXISTS schema_version (
            version INTEGER NOT NULL PRIMARY KEY,
            description TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )
        """;

    public static IReadOnlyList<(int Version, string Description, MigrationStatement[] Statements)> All { get; } =
    [
        (1, "scoring runs, stored scores, reload audit",
        [
            """
            CREATE TABLE scoring_runs (
                id TEXT NOT NULL PRIMARY KEY,
                status TEXT NOT NULL,
                requested_by TEXT NOT NULL,
                requested_at TEXT NOT NULL,
                requested_as_of_date TEXT NULL,
                as_of_date TEXT NULL,
                model_version TEXT NULL,
                started_at TEXT NULL,
                finished_at TEXT NULL,
                transactions_read BIGINT NULL,
                customers_scored BIGINT NULL,
                load_ms BIGINT NULL,
                features_ms BIGINT NULL,
                scoring_ms BIGINT NULL,
                storing_ms BIGINT NULL,
                error TEXT NULL
            )
            """,
            """
            CREATE TABLE stored_scores (
                run_id TEXT NOT NULL REFERENCES scoring_runs (id),
                customer_id TEXT NOT NULL,
                churn_probability DOUBLE PRECISION NOT NULL,
                risk_band TEXT NOT NULL,
                segment_id INTEGER NULL,
                segment_name TEXT NULL,
                predicted_profit DOUBLE PRECISION NULL,
                churn_reasons TEXT NOT NULL,
                value_reasons TEXT NOT NULL,
                model_version TEXT NOT NULL,
                as_of_date TEXT NOT NULL,
                PRIMARY KEY (run_id, customer_id)
            )
            """,
            "CREATE INDEX ix_stored_scores_customer ON stored_scores (customer_id)",
            """
            CREATE TABLE model_reloads (
                id TEXT NOT NULL PRIMARY KEY,
                requested_by TEXT NOT NULL,
                requested_at TEXT NOT NULL,
                source TEXT NOT NULL,
                from_version TEXT NULL,
                to_version TEXT NULL,
                outcome TEXT NOT NULL,
                detail TEXT NULL,
                duration_ms BIGINT NOT NULL
            )
            """,
        ]),
        // One column per statement (SQLite adds one at a time); flags are INTEGER 0/1, which both databases store alike.
        // Nullable: customer-table bundles have no decisions, and rows stored before this migration have none either.
        (2, "each stored score carries the customer's rule decision",
        [
            "ALTER TABLE stored_scores ADD COLUMN tier TEXT NULL",
            "ALTER TABLE stored_scores ADD COLUMN predicted_tier TEXT NULL",
            "ALTER TABLE stored_scores ADD COLUMN loss_making INTEGER NULL",
            "ALTER TABLE stored_scores ADD COLUMN false_big_customer INTEGER NULL",
            "ALTER TABLE stored_scores ADD COLUMN lifecycle_stage TEXT NULL",
            "ALTER TABLE stored_scores ADD COLUMN value_at_risk DOUBLE PRECISION NULL",
            "ALTER TABLE stored_scores ADD COLUMN recommended_action TEXT NULL",
            "ALTER TABLE stored_scores ADD COLUMN action_description TEXT NULL",
            "ALTER TABLE stored_scores ADD COLUMN offer_cost DOUBLE PRECISION NULL",
            "ALTER TABLE stored_scores ADD COLUMN paid_offer INTEGER NULL",
            "ALTER TABLE stored_scores ADD COLUMN profit_last_365_days DOUBLE PRECISION NULL",
            "ALTER TABLE stored_scores ADD COLUMN revenue_last_365_days DOUBLE PRECISION NULL",
            "ALTER TABLE stored_scores ADD COLUMN rule_reasons TEXT NULL",
            "ALTER TABLE stored_scores ADD COLUMN value_horizon_days INTEGER NULL",
        ]),
        // Nullable: customer-table bundles have no revenue model, and rows stored before this migration have none.
        (3, "each stored score carries the predicted revenue", ["ALTER TABLE stored_scores ADD COLUMN predicted_revenue DOUBLE PRECISION NULL"]),
        (4, "each scoring run records how far its customers' features have drifted from training",
        [
            """
            CREATE TABLE run_drift (
                run_id TEXT NOT NULL REFERENCES scoring_runs (id),
                feature TEXT NOT NULL,
                psi DOUBLE PRECISION NOT NULL,
                level TEXT NOT NULL,
                training_missing_share DOUBLE PRECISION NOT NULL,
                missing_share DOUBLE PRECISION NOT NULL,
                largest_move TEXT NOT NULL,
                PRIMARY KEY (run_id, feature)
            )
            """,
        ]),
        (5, "a run's drift also covers the models' outputs (churn probability, predicted profit)",
            ["ALTER TABLE run_drift ADD COLUMN model_output INTEGER NOT NULL DEFAULT 0"]),
        (6, "one profit: predicted_profit is the value model's gross profit; decisions store gross profit, cost-to-serve and predicted profit after it",
        [
            "ALTER TABLE stored_scores ADD COLUMN gross_profit_last_365_days DOUBLE PRECISION NULL",
            "ALTER TABLE stored_scores ADD COLUMN cost_to_serve_last_365_days DOUBLE PRECISION NULL",
            "ALTER TABLE stored_scores ADD COLUMN predicted_net_profit DOUBLE PRECISION NULL",
            "ALTER TABLE stored_scores ADD COLUMN expected_cost_to_serve DOUBLE PRECISION NULL",
        ]),
        // Runs from here store one compact row per customer (customer_scores: ~200 bytes instead of ~2 KB of JSON text and
        // repeated run columns), keyed by a small per-run number; the rule decision is not stored as words but rebuilt
        // from the customer's facts with the rules and cut-offs the run kept (decision_context), by the same Core function.
        // The summaries and target candidates are computed once when a run ends. stored_scores keeps the runs before.
        // SQLite-only: WITHOUT ROWID (the key is the table, no second copy of it); PostgreSQL has its own text for that table.
        (7, "compact per-customer scores, each run's decision context, summary and target candidates, pruning, personal-data audit",
        [
            "ALTER TABLE scoring_runs ADD COLUMN score_key INTEGER NULL",
            "ALTER TABLE scoring_runs ADD COLUMN decision_context TEXT NULL",
            "ALTER TABLE scoring_runs ADD COLUMN summary TEXT NULL",
            "ALTER TABLE scoring_runs ADD COLUMN pruned_at TEXT NULL",
            new MigrationStatement(
                """
                CREATE TABLE customer_scores (
                    score_key INTEGER NOT NULL,
                    customer_id TEXT NOT NULL,
                    churn_probability DOUBLE PRECISION NOT NULL,
                    risk_band TEXT NOT NULL,
                    segment_id INTEGER NULL,
                    predicted_gross_profit DOUBLE PRECISION NULL,
                    predicted_revenue DOUBLE PRECISION NULL,
                    reasons BLOB NOT NULL,
                    facts BLOB NULL,
                    PRIMARY KEY (score_key, customer_id)
                ) WITHOUT ROWID
                """,
                // PostgreSQL: a heap table has no WITHOUT ROWID; ids compare bytewise (COLLATE "C"), as SQLite compares
                // them, so id searches, pages and movement's merge order are the same whatever the server's locale.
                """
                CREATE TABLE customer_scores (
                    score_key INTEGER NOT NULL,
                    customer_id TEXT COLLATE "C" NOT NULL,
                    churn_probability DOUBLE PRECISION NOT NULL,
                    risk_band TEXT NOT NULL,
                    segment_id INTEGER NULL,
                    predicted_gross_profit DOUBLE PRECISION NULL,
                    predicted_revenue DOUBLE PRECISION NULL,
                    reasons BLOB NOT NULL,
                    facts BLOB NULL,
                    PRIMARY KEY (score_key, customer_id)
                )
                """),
            "CREATE INDEX ix_customer_scores_customer ON customer_scores (customer_id)",
            """
            CREATE TABLE run_target_candidates (
                run_id TEXT NOT NULL PRIMARY KEY REFERENCES scoring_runs (id),
                candidates BLOB NOT NULL
            )
            """,
            """
            CREATE TABLE personal_data_audit (
                id TEXT NOT NULL PRIMARY KEY,
                happened_at TEXT NOT NULL,
                requested_by TEXT NOT NULL,
                action TEXT NOT NULL,
                customer_id TEXT NULL,
                run_id TEXT NULL,
                row_count BIGINT NOT NULL,
                detail TEXT NULL
            )
            """,
        ]),
        // Movement between two runs compares each customer's tier, predicted tier, stage and profits: kept per run when it
        // ends (ordinal id order, ~30 bytes a customer), so a comparison is one merge of two blobs, not two runs' decisions rebuilt.
        (8, "each run's movement facts",
        [
            """
            CREATE TABLE run_movement_facts (
                run_id TEXT NOT NULL PRIMARY KEY REFERENCES scoring_runs (id),
                facts BLOB NOT NULL
            )
            """,
        ]),
        // The 80% value intervals the scorer served with each score, stored as it served them (exact doubles; SQLite keeps
        // a whole-number REAL such as a P50 of 0 in no payload bytes at all), so a stored customer, a target list and an
        // export show the run's intervals instead of recomputing them from whatever card is loaded when they are read.
        // Null for runs before this migration and bundles without intervals.
        (9, "each compact score carries its value intervals (P10/P50/P90 of gross profit and revenue)",
        [
            "ALTER TABLE customer_scores ADD COLUMN gross_profit_p10 DOUBLE PRECISION NULL",
            "ALTER TABLE customer_scores ADD COLUMN gross_profit_p50 DOUBLE PRECISION NULL",
            "ALTER TABLE customer_scores ADD COLUMN gross_profit_p90 DOUBLE PRECISION NULL",
            "ALTER TABLE customer_scores ADD COLUMN revenue_p10 DOUBLE PRECISION NULL",
            "ALTER TABLE customer_scores ADD COLUMN revenue_p50 DOUBLE PRECISION NULL",
            "ALTER TABLE customer_scores ADD COLUMN revenue_p90 DOUBLE PRECISION NULL",
        ]),
        // Replicas sharing a PostgreSQL store: the replica coordinating a run holds a lease on it and renews it; another
        // replica takes the run over only once the lease has expired (the holder died). The run's chunks are claimed by
        // whichever replicas are free, each with a lease of its own; the names its compact rows point at by position
        // (reason features, segments) are registered once per run, so rows written by any replica read alike. Timestamps
        // as the other columns' UTC ISO-8601 text. Unused on SQLite, where one process owns the file.
        (10, "scoring run leases, chunks and names (replicas sharing one PostgreSQL store)",
        [
            "ALTER TABLE scoring_runs ADD COLUMN lease_owner TEXT NULL",
            "ALTER TABLE scoring_runs ADD COLUMN lease_expires_at TEXT NULL",
            """
            CREATE TABLE scoring_run_chunks (
                run_id TEXT NOT NULL REFERENCES scoring_runs (id),
                chunk_index INTEGER NOT NULL,
                first_row INTEGER NOT NULL,
                row_count INTEGER NOT NULL,
                status TEXT NOT NULL,
                claimed_by TEXT NULL,
                claims INTEGER NOT NULL DEFAULT 0,
                lease_expires_at TEXT NULL,
                done_by TEXT NULL,
                PRIMARY KEY (run_id, chunk_index)
            )
            """,
            """
            CREATE TABLE scoring_run_names (
                run_id TEXT NOT NULL REFERENCES scoring_runs (id),
                kind TEXT NOT NULL,
                position INTEGER NOT NULL,
                name TEXT NOT NULL,
                PRIMARY KEY (run_id, kind, position)
            )
            """,
        ]),
        // The movement page's matrix and category counts between two runs, stored when the pair is first compared (the worker
        // compares each new run with the one before as it ends): after a restart the page reads this row instead of merging
        // both runs' movement facts again (seconds at a million customers). Dropped with either run's rows (pruning, erasure).
        (11, "the movement summary of compared pairs of runs",
        [
            """
            CREATE TABLE run_movements (
                from_run_id TEXT NOT NULL REFERENCES scoring_runs (id),
                to_run_id TEXT NOT NULL REFERENCES scoring_runs (id),
                summary TEXT NOT NULL,
                PRIMARY KEY (from_run_id, to_run_id)
            )
            """,
        ]),
        // The second B-tree over every stored customer (~27 bytes a customer on PostgreSQL, ~15 on SQLite) served only the
        // customer's lookup across runs and the erasure. Both now probe the primary key (score_key, customer_id) once per
        // run (a handful, pruned by the retention policy): the current customer through the runs table, the erasure through
        // the distinct keys the table holds (a skip scan of the key), so the lookup and erasure stay index reads.
        (12, "the compact scores' customer_id index goes: lookups by customer probe the primary key per run",
        [
            "DROP INDEX ix_customer_scores_customer",
        ]),
        // Replicas sharing a run count each chunk's feature drift as they score it and store the counts with the chunk: the
        // run's holder adds them up (whole numbers: the same counts whichever replica scored which chunk) instead of making
        // every customer's features a second time. Unused on SQLite.
        (13, "each shared run chunk's feature drift counts", ["ALTER TABLE scoring_run_chunks ADD COLUMN drift_counts BLOB NULL"]),
        // The two-part value model's outlook beside each gross profit interval: the amount if the customer buys (exact doubles,
        // as the interval) and the recalibrated purchase probability as whole basis points (0–10,000: 2 bytes in SQLite's
        // record and in PostgreSQL's smallint, against 8 for a double; a hundredth of a percentage point, far below what an
        // isotonic step of ≥ 100 calibration customers can tell apart). The doubles come first so PostgreSQL packs the smallint after them without padding between. Null for runs
        // stored before this migration and for one-part value models: the surfaces say "not available".
        (14, "each compact score carries the purchase probability and the gross profit if buying (the two-part value model's outlook)",
        [
            "ALTER TABLE customer_scores ADD COLUMN gross_profit_if_buying_p10 DOUBLE PRECISION NULL",
            "ALTER TABLE customer_scores ADD COLUMN gross_profit_if_buying_p90 DOUBLE PRECISION NULL",
            "ALTER TABLE customer_scores ADD COLUMN purchase_probability_basis_points SMALLINT NULL",
        ]),
        // Replicas sharing a run store each chunk's summary inputs (every customer's churn probability and predicted profit, the
        // decided customers' pyramid, candidate and movement facts) with the chunk: the run's holder combines them into the run's
        // summaries instead of reading every customer row back. Cleared once the run succeeded. Unused on SQLite.
        (15, "each shared run chunk's summary inputs", ["ALTER TABLE scoring_run_chunks ADD COLUMN summary_inputs BLOB NULL"]),
        // PostgreSQL compresses the blobs it moves out of line (a chunk's summary inputs, ~250 KB for 4,096 customers; a run's
        // candidates and movement facts, tens of MB) with pglz by default, the largest user-space cost in a profile of the
        // server during a run of 1,000,000; with lz4 its CPU per customer fell from 4.8–5.2 to 3.6–3.8 µs (RESULTS, branch pgfast). lz4 compresses several times faster; the server compresses only when
        // built with it (every major distribution's build is), and keeps pglz otherwise. Only how new values are stored
        // changes: stored ones read as before. SQLite compresses nothing and has nothing to change.
        (16, "lz4 for the blobs PostgreSQL compresses (chunk summary inputs and drift counts, target candidates, movement facts)",
        [
            new MigrationStatement("SELECT 1", """
                DO $$ BEGIN
                    IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
                        ALTER TABLE scoring_run_chunks ALTER COLUMN summary_inputs SET COMPRESSION lz4;
                        ALTER TABLE scoring_run_chunks ALTER COLUMN drift_counts SET COMPRESSION lz4;
                        ALTER TABLE run_target_candidates ALTER COLUMN candidates SET COMPRESSION lz4;
                        ALTER TABLE run_movement_facts ALTER COLUMN facts SET COMPRESSION lz4;
                    END IF;
                END $$
                """),
        ]),
    ];
}
