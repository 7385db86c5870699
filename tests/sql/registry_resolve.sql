-- registry_resolve.sql - how model references resolve (ml_resolve uses the same code as the model_*
-- functions): name, name/N, name/latest, name@alias, name@latest, name@vN, models:/ prefix, and
-- the error for each missing piece.
CREATE TEMP TABLE pk(k TEXT PRIMARY KEY, v BLOB);
INSERT INTO pk VALUES ('v1', x'80034b012e'), ('v2', x'80034b022e'), ('v3', x'80034b032e');
select ml_resolve('churn');
.once ml_registry.sql
SELECT ml_registry_sql();
.read ml_registry.sql
select ml_resolve('churn');
INSERT INTO ml_registry(name, pickle) SELECT 'churn', v FROM pk;
INSERT INTO ml_aliases VALUES ('churn', 'production', 2);
DELETE FROM ml_versions WHERE version = 3;
select ml_resolve('churn');
select ml_resolve('churn/1');
select ml_resolve('churn/latest');
select ml_resolve('churn@latest');
select ml_resolve('churn@v1');
select ml_resolve('churn@V2');
select ml_resolve('churn@production');
select ml_resolve('models:/churn@production');
select ml_resolve('models:/churn/2');
select ml_resolve('models:/churn');
select ml_resolve('churn/3');
select ml_resolve('churn/4');
select ml_resolve('churn@v4');
select ml_resolve('churn@staging');
select ml_resolve('nope@staging');
select ml_resolve('nope');
select ml_resolve('nope/1');
select ml_resolve('churn/0');
select ml_resolve('churn/x');
select ml_resolve('churn/99999999999999999999');
select ml_resolve('churn@v0');
select ml_resolve('a b');
select ml_resolve('churn@');
select ml_resolve('');
select ml_resolve('churn@a/b');
select pickle_get(pickle) from ml_versions where version = 2;
