{#- Upper bounds on tail probabilities, as log10, for the statistical rules
    (the vote and report rules). Plain math (ln, sqrt, pi,
    greatest, least), so the SQL runs unchanged on DuckDB and Spark.

    log10_poisson_tail(k, mu): log10 of an upper bound on P(X >= k) for X
    Poisson with mean mu (and, by Anderson & Samuels 1967, for any sum of
    independent Bernoulli trials with that mean, when k >= mu + 1):
        P(X >= k) <= P(X = k) * (k + 1) / (k + 1 - mu)      (k + 1 > mu)
    with ln k! >= k ln k - k + ln(2 pi k) / 2 (Stirling's lower bound), so the
    result never understates the tail. 0 (probability 1) when k <= mu. -#}
{% macro log10_poisson_tail(k, mu) -%}
    (case
        when ({{ k }}) <= 0 or ({{ k }}) <= ({{ mu }}) then 0.0
        else least(0.0, (
            - greatest({{ mu }}, 1e-12)
            + ({{ k }}) * ln(greatest({{ mu }}, 1e-12))
            - (({{ k }}) * ln({{ k }}) - ({{ k }}) + 0.5 * ln(2 * pi() * ({{ k }})))
            + ln((({{ k }}) + 1.0) / (({{ k }}) + 1.0 - ({{ mu }})))
        ) / ln(10.0))
    end)
{%- endmacro %}

{#- log10_binomial_tail(k, n, p): log10 of the Chernoff-Hoeffding upper bound on
    P(X >= k) for X binomial(n, p): exp(-n * KL(k/n || p)), KL the Kullback-
    Leibler divergence of Bernoulli(k/n) from Bernoulli(p). Valid for any n;
    0 (probability 1) when k/n <= p. -#}
{% macro log10_binomial_tail(k, n, p) -%}
    (case
        when ({{ n }}) <= 0 or ({{ k }}) * 1.0 / ({{ n }}) <= ({{ p }}) then 0.0
        when ({{ k }}) >= ({{ n }}) then ({{ n }}) * ln(greatest({{ p }}, 1e-300)) / ln(10.0)
        else - ({{ n }}) * (
            (({{ k }}) * 1.0 / ({{ n }})) * ln((({{ k }}) * 1.0 / ({{ n }})) / greatest({{ p }}, 1e-300))
            + (1.0 - ({{ k }}) * 1.0 / ({{ n }})) * ln((1.0 - ({{ k }}) * 1.0 / ({{ n }})) / (1.0 - least({{ p }}, 1.0 - 1e-12)))
        ) / ln(10.0)
    end)
{%- endmacro %}
