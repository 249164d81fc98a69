with

source as (

    select * from {{ source('raw', 'submissions') }}

),

renamed as (

    select
        -- keys
        cast(submission_id as varchar) as submission_id,
        cast(sha256 as varchar) as sha256,

        -- what was received, from whom
        cast(kind as varchar) as submission_kind,
        cast(source as varchar) as partner_source,
        cast(original_name as varchar) as file_name,
        cast(folder as varchar) as folder,
        cast(area_code as varchar) as area_code,
        cast(financial_year as varchar) as financial_year,

        -- when, and what intake made of it
        cast(received_at as timestamp) as received_at,
        cast(arrival_seq as bigint) as arrival_seq,
        cast(status as varchar) as submission_status,
        cast(error_count as integer) as error_count,
        cast(warning_count as integer) as warning_count

    from source

)

select * from renamed
