-- The API's own coordination tables (MlCustomer:Cluster:PostgreSql). Every statement only creates what is missing, so
-- replicas run it at each start, under an advisory lock, and a DBA may run it beforehand. Statements are separated by a
-- line reading exactly '--;;', like the Quartz script beside it.
--;;
-- The ASP.NET Core Data Protection key ring: one XML element per row, as the framework hands them to its repository.
-- Keys are stored as the framework writes them (not encrypted at rest): grant this table to the API's account only.
CREATE TABLE IF NOT EXISTS mlcustomer_data_protection_keys (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  friendly_name text NOT NULL,
  xml text NOT NULL,
  stored_at timestamptz NOT NULL DEFAULT now()
);
--;;
-- The bundle the whole cluster serves: one row, rewritten by every successful reload or rollback. The version is the
-- bundle's content digest (BundleVersion), which every replica recomputes from its own copy of the files before serving
-- it; activation counts up, so replicas notice a return to an earlier version too.
CREATE TABLE IF NOT EXISTS mlcustomer_active_model (
  cluster_row smallint PRIMARY KEY DEFAULT 1 CHECK (cluster_row = 1),
  version text NOT NULL,
  bundle_name text NULL,
  activation bigint NOT NULL,
  requested_by text NOT NULL,
  activated_at timestamptz NOT NULL
);
--;;
-- Workspace sessions ended by signing out, so that a cookie signed out on one replica is refused by every other.
CREATE TABLE IF NOT EXISTS mlcustomer_ended_sessions (
  session_id text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
