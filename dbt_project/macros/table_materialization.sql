{#-
    The `table` materialization on DuckDB, replacing the table in one transaction.

    dbt-duckdb's own builds the model into a __dbt_tmp table, looks up foreign keys in
    information_schema, renames the old table to __dbt_backup and the new one into place,
    commits, then drops the backup: eight statements a model with dbt's BEGIN and COMMITs.
    Here the old table is dropped and the new one created in one transaction: five. DuckDB's
    DDL is transactional, so a failed or killed build leaves the old table as it was, as the
    swap did (tests/test_dbt_errors.py). Every statement costs dbt's own Python (its events,
    its log, its connection handling): a `dbt build` of the hand-made lake (40 models, 112 nodes) took 0.4 s less
    in dbt and 0.45 s less CPU (docs/benchmarks.md, "A table replaced in one transaction").
    With fewer statements outside a transaction, DuckDB checkpoints less often between models,
    so the rules must not rely on a checkpoint for their statistics: the microbatch models
    refresh theirs (macros/refresh_join_statistics.sql).

    Kept from dbt-duckdb's: hooks, contracts and column types (create_table_as), docs.
    Not supported here, and not used by the project: python models, foreign keys, indexes,
    partitioned_by / sorted_by (DuckLake), grants. Other engines (Spark) keep their own.
-#}
{% materialization table, adapter="duckdb", supported_languages=['sql'] %}

    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='table') -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}

    -- `BEGIN` happens here:
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {#- Not adapter.drop_relation: its statement runs outside the transaction (auto_begin=False). #}
    {%- if existing_relation is not none %}
        {% call statement('drop_existing') -%}
            drop {{ existing_relation.type }} if exists {{ existing_relation }} cascade
        {%- endcall %}
        {% do adapter.cache_dropped(existing_relation) %}
    {%- endif %}

    {% call statement('main') -%}
        {{- create_table_as(False, target_relation, compiled_code) }}
    {%- endcall %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do persist_docs(target_relation, model) %}

    -- `COMMIT` happens here
    {{ adapter.commit() }}

    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}
