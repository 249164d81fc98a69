{#- Rows whose financial year is not written as 2024-25 (the test fails on any).
    Partner publications may carry years before the reporting window of the
    financial_years seed, so their staging views test the form, not the seed. -#}
{% test financial_year_format(model, column_name) %}
select *
from {{ model }}
where not regexp_full_match({{ column_name }}, '[0-9]{4}-[0-9]{2}')
{% endtest %}
