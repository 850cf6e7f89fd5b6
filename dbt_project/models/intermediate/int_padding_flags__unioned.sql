-- Every rule's flags in one relation, each with its stable id: the hash of
-- code, cadre, subject and the rule's evidence key, so the same evidence keeps
-- its id on every re-run (alerts already sent and verdicts already given stay
-- attached to it). The rules are the int_flags__<code> models, one per code of
-- the flag registry (var flag_rules).

with all_flags as (
    {%- for code in var('flag_rules') %}
        select flag_code, cadre_id, subject_id, first_seen, last_seen, severity, evidence, evidence_key
        from {{ ref('int_flags__' ~ code) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select
    {{ dbt.hash(dbt.concat([
        'flag_code', "'|'", 'cadre_id', "'|'", "coalesce(subject_id, '')", "'|'", 'evidence_key'
    ])) }} as flag_id,
    flag_code,
    cadre_id,
    subject_id,
    first_seen,
    last_seen,
    severity,
    evidence
from all_flags
