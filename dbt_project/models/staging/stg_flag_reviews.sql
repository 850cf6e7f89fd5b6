-- Inspectors' verdicts, as recorded: ops.flag_reviews is append-only, so this
-- is every verdict ever given, including those later superseded.
-- fingertip creates the table before dbt runs; `dbt build` run on its own
-- against a new warehouse finds none, and then no verdict has been given.
{%- set reviews = source('ops', 'flag_reviews') %}
{%- set recorded = not execute or flag_reviews_exist(reviews) %}
{%- if recorded %}
select
    review_id,
    flag_id,
    flag_code,
    cadre_id,
    verdict,
    note,
    reviewed_by,
    reviewed_at,
    evidence_at_review,
    recorded_from
from {{ reviews }}
{%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as review_id,
        cast(null as {{ dbt.type_string() }}) as flag_id,
        cast(null as {{ dbt.type_string() }}) as flag_code,
        cast(null as {{ dbt.type_string() }}) as cadre_id,
        cast(null as {{ dbt.type_string() }}) as verdict,
        cast(null as {{ dbt.type_string() }}) as note,
        cast(null as {{ dbt.type_string() }}) as reviewed_by,
        cast(null as timestamp) as reviewed_at,
        cast(null as {{ dbt.type_string() }}) as evidence_at_review,
        cast(null as {{ dbt.type_string() }}) as recorded_from
    where 1 = 0
{%- endif %}
