{#- Time arithmetic whose meaning must be the same on every engine.

    dbt's cross-database datediff is used where it agrees with DuckDB on Spark
    too (seconds or days). Uses it and dateadd do not cover:
      * a fractional difference: DuckDB's epoch() has no Spark spelling;
      * a difference in minutes: DuckDB counts the minute boundaries crossed
        (date_diff), dbt-spark the whole minutes elapsed (10:00:50 to 10:01:10
        is 1 on DuckDB, 0 there); adding minutes: dbt-spark's dateadd goes
        through to_unix_timestamp, which drops fractions of a second;
      * adding days: dbt-spark's dateadd turns the date into seconds and back
        with to_timestamp(<seconds>), which with spark.sql.timestampType =
        TIMESTAMP_NTZ reads the number as text and yields NULL or fails, so a
        window of days matched nothing on Spark.
    Spark's timestampdiff / timestampadd (3.3+) take TIMESTAMP and
    TIMESTAMP_NTZ; the lake's wall-clock timestamps have no DST to cross
    (Asia/Shanghai), so the session time zone does not change a difference. -#}

{#- Seconds from start_ts to end_ts, fractional (microseconds kept). -#}
{% macro seconds_between(start_ts, end_ts) -%}
    {{ return(adapter.dispatch('seconds_between')(start_ts, end_ts)) }}
{%- endmacro %}

{% macro duckdb__seconds_between(start_ts, end_ts) -%}
    (epoch({{ end_ts }}) - epoch({{ start_ts }}))
{%- endmacro %}

{% macro spark__seconds_between(start_ts, end_ts) -%}
    (cast(timestampdiff(MICROSECOND, {{ start_ts }}, {{ end_ts }}) as double) / 1000000)
{%- endmacro %}

{#- The number of datepart boundaries crossed from first_ts to second_ts, as
    DuckDB's date_diff counts them (second, minute, hour or day): 10:00:50 to
    10:01:10 is 1 minute. -#}
{% macro datediff_boundaries(first_ts, second_ts, datepart) -%}
    {%- if datepart not in ['second', 'minute', 'hour', 'day'] -%}
        {{ exceptions.raise_compiler_error("datediff_boundaries: datepart must be second, minute, hour or day, not " ~ datepart) }}
    {%- endif -%}
    {{ return(adapter.dispatch('datediff_boundaries')(first_ts, second_ts, datepart)) }}
{%- endmacro %}

{% macro duckdb__datediff_boundaries(first_ts, second_ts, datepart) -%}
    {{ dbt.datediff(first_ts, second_ts, datepart) }}
{%- endmacro %}

{% macro spark__datediff_boundaries(first_ts, second_ts, datepart) -%}
    timestampdiff({{ datepart | upper }}, date_trunc('{{ datepart | upper }}', {{ first_ts }}), date_trunc('{{ datepart | upper }}', {{ second_ts }}))
{%- endmacro %}

{#- ts plus interval (a whole number) of datepart (second, minute or hour),
    fractions of a second kept. -#}
{% macro timestamp_add(datepart, interval, ts) -%}
    {%- if datepart not in ['second', 'minute', 'hour'] -%}
        {{ exceptions.raise_compiler_error("timestamp_add: datepart must be second, minute or hour (days_add serves days), not " ~ datepart) }}
    {%- endif -%}
    {{ return(adapter.dispatch('timestamp_add')(datepart, interval, ts)) }}
{%- endmacro %}

{% macro duckdb__timestamp_add(datepart, interval, ts) -%}
    {{ dbt.dateadd(datepart, interval, ts) }}
{%- endmacro %}

{% macro spark__timestamp_add(datepart, interval, ts) -%}
    timestampadd({{ datepart | upper }}, {{ interval }}, {{ ts }})
{%- endmacro %}

{#- A DATE plus interval whole days (negative: earlier), for windows of days.
    DuckDB keeps dbt's dateadd (a timestamp at midnight, which compares with a
    date as that date); Spark's date_add gives the date itself. -#}
{% macro days_add(interval, day) -%}
    {{ return(adapter.dispatch('days_add')(interval, day)) }}
{%- endmacro %}

{% macro duckdb__days_add(interval, day) -%}
    {{ dbt.dateadd('day', interval, day) }}
{%- endmacro %}

{% macro spark__days_add(interval, day) -%}
    date_add({{ day }}, {{ interval }})
{%- endmacro %}

{#- The window of window_days days a DATE falls in, numbered from 1970-01-01:
    two days at most window_days apart lie in the same window or in adjacent
    ones, so a search within window_days can key on it (the window and its
    neighbours) instead of comparing a whole history. -#}
{% macro window_bucket(day, window_days) -%}
    cast(floor({{ datediff_boundaries("cast('1970-01-01' as date)", day, 'day') }} / {{ [window_days, 1] | max }}) as bigint)
{%- endmacro %}
