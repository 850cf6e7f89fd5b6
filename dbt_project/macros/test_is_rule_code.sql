{#- A rule model's flag_code column holds only its own code: the model's name
    after 'int_flags__' (int_flags__<code> holds '<code>'). Lets
    the nine rule models share one column block in _flags__models.yml. Nulls
    are left to not_null, as accepted_values does. -#}
{% test is_rule_code(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} <> '{{ model.identifier | replace("int_flags__", "") }}'
{% endtest %}
