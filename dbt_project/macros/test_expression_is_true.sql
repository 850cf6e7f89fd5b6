{#- A row-level invariant: every row must satisfy `expression` (no dbt_utils
    dependency: packages would have to be downloaded at install time). -#}
{% test expression_is_true(model, expression, column_name=None) %}
select * from {{ model }} where not ({{ expression }})
{% endtest %}
