{#- The join statistics of a table its build changed by deletes and inserts, recomputed.

    A microbatch model replaces its months by a delete and an insert per batch. DuckDB's
    planner then reads that table's statistics (distinct counts) as the deletes left them
    until its next checkpoint, and orders joins by them. A checkpoint may or may not happen
    between a staging model and the rules that read it: only when no other dbt thread has a
    transaction open. Without one, a rule's plan could change by a thousandfold (stop 35: a
    one-day build where int_votes__closed_trios took 29 s instead of 0.1 s; docs/benchmarks.md,
    "The planner's statistics after a microbatch"). So each microbatch model ends with an
    ANALYZE of its table (in its last batch: dbt runs a microbatch model's post-hooks once), which
    recomputes its distinct counts; its row count stays as the deletes left it until a checkpoint.
    That was enough for the plan above (0.19 s again); it does not make every estimate exact.

    Spark plans from its own statistics of the files it reads: nothing to do there. -#}
{% macro refresh_join_statistics(relation) -%}
    {{ return(adapter.dispatch('refresh_join_statistics')(relation)) }}
{%- endmacro %}

{% macro default__refresh_join_statistics(relation) -%}
{%- endmacro %}

{% macro duckdb__refresh_join_statistics(relation) -%}
    analyze {{ relation }}
{%- endmacro %}
