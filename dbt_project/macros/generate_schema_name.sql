{#- The warehouse contract names relations marts.*, ops.*: use the custom schema
    as given instead of dbt's default <target>_<custom> prefixing. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
