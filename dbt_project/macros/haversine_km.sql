{#- Great-circle distance in kilometres between two WGS84 points (haversine).
    Plain math functions only (radians, sin, cos, asin, sqrt, power), so the SQL
    runs unchanged on DuckDB, Spark and most warehouses. 6371.0088 km is the mean
    Earth radius (IUGG). least(1, ...) keeps asin inside its domain when rounding
    pushes the argument a hair above 1 for antipodal points. -#}
{% macro haversine_km(lat1, lon1, lat2, lon2) -%}
    (2 * 6371.0088 * asin(least(1.0, sqrt(
        power(sin(radians(({{ lat2 }}) - ({{ lat1 }})) / 2), 2)
        + cos(radians({{ lat1 }})) * cos(radians({{ lat2 }}))
          * power(sin(radians(({{ lon2 }}) - ({{ lon1 }})) / 2), 2)
    ))))
{%- endmacro %}
