{#- Use the folder's schema as is (marts, staging, ...), not <target>_<schema>:
    docs/data-contract.md section 5 names the tables marts.fct_... exactly. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
