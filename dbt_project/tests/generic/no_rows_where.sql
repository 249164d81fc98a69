{#- Rows for which `condition` (a SQL boolean expression) holds; the test fails on any.
    Used with severity warn for checks that must be seen but never block. -#}
{% test no_rows_where(model, condition) %}
select *
from {{ model }}
where {{ condition }}
{% endtest %}
