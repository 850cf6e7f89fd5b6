-- marts.padding_flags: one row per suspected fabrication (warehouse contract).
-- Each int_flags__<code> model holds one code's rule (docs/detection.md); this
-- model only unions them and gives each flag a stable id: the md5 of code,
-- cadre, subject and evidence key, so the same evidence keeps its id on every
-- re-run (and alerts already sent for it are not sent again).

{%- set flag_models = [
    'int_flags__proxy_checkin',
    'int_flags__impossible_travel',
    'int_flags__photo_reuse',
    'int_flags__gps_spoof',
    'int_flags__scripted_login',
    'int_flags__vote_stuffing',
    'int_flags__vote_ring',
    'int_flags__fabricated_report',
    'int_flags__padded_cases',
] %}

with all_flags as (
    {%- for flag_model in flag_models %}
    select flag_code, cadre_id, subject_id, first_seen, last_seen, severity, evidence, evidence_key
    from {{ ref(flag_model) }}
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
