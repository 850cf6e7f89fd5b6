-- The rule models unioned into marts.padding_flags (var flag_rules) are exactly
-- the codes of the flag registry (seeds/flag_codes.csv): a code with no rule, or
-- a rule with no registry row, is a row here and fails the build's tests.
with rules as (
    {%- for code in var('flag_rules') %}
        select '{{ code }}' as flag_code
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

registry as (
    select flag_code from {{ ref('flag_codes') }}
)

select
    coalesce(rules.flag_code, registry.flag_code) as flag_code,
    case when rules.flag_code is null then 'in the registry but has no rule model' else 'has a rule model but no registry row' end as problem
from rules
full outer join registry on rules.flag_code = registry.flag_code
where rules.flag_code is null or registry.flag_code is null
