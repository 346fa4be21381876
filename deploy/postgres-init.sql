-- Run once by the postgres image (docker-entrypoint-initdb.d) on an empty data volume:
-- one database per service, so each service owns its event store and read models.
CREATE DATABASE intake;
CREATE DATABASE approval;
CREATE DATABASE certificates;
CREATE DATABASE evaluation;
CREATE DATABASE notify;
CREATE DATABASE supervision;
