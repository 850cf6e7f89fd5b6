{#- Every row of the model has a value in each of `columns`: one query where a
    `not_null` per column took one each (issue 8: every data test is a node of
    every build). A failing row is a row missing one of them, shown with all of
    them, so the empty ones say which. -#}
{% test not_null_columns(model, columns) %}
select {{ columns | join(', ') }}
from {{ model }}
where {{ columns | join(' is null or ') }} is null
{% endtest %}
