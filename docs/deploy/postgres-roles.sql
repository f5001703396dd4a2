-- The service's PostgreSQL role: it reads and writes rows, and may not change the schema.
--
-- Run as the role that owns the store's tables (the one that ran `faas-packages init`), in the
-- store's database, after `init`:
--
--   psql -v service_role=faas_service -v owner_role=faas_owner -d faas -f postgres-roles.sql
--
-- Then set the service role's password (`\password faas_service`) and give `serve` a URL
-- with it: FAAS_DATABASE_URL=postgresql://faas_service:…@db.internal/faas

CREATE ROLE :"service_role" LOGIN;
GRANT CONNECT ON DATABASE :"DBNAME" TO :"service_role";
GRANT USAGE ON SCHEMA public TO :"service_role";
-- Every table and view there now: the event log, the snapshots, the read model.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"service_role";
-- The event log's positions come from a sequence.
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"service_role";
-- The tables and views the owner makes later: each rebuild makes a new generation of the read
-- model, and a release may add a table (run `faas-packages init` as the owner to make it).
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner_role" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"service_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner_role" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"service_role";
