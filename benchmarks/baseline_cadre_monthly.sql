-- The benchmark's baseline: marts.cadre_monthly's counts computed straight
-- from the raw landing files in one DuckDB session, as fast as a hand-written
-- script can: the fastest thing that does the same job as `fingertip run`
-- for these columns (issue 8). benchmarks/bench.py runs it and checks its
-- result against the warehouse's marts.cadre_monthly.
--
-- The same job means the landing contract's rules (../shared/contract/landing.md):
-- every row validated (required values, parseable values in their domain,
-- ids in the reference tables, event time inside the plausible window around
-- the delivery day), then de-duplicated (first delivery wins; a case's latest
-- updated_at wins), and the warehouse contract's definitions of the counts.
--
-- Every path and number comes in as a named parameter ($name), bound by
-- bench.py: per source and format a list of files ($<source>_csv, _json,
-- _parquet; .gz files are in the csv/json lists, DuckDB decompresses them),
-- the reference snapshots, the window days and the session cap. DuckDB views
-- cannot take parameters, so the raw rows go through temporary tables.
-- bench.py skips a statement whose file list is empty, and leaves out a file
-- that DuckDB cannot read at all (truncated gzip, garbage) and runs the
-- statement again: the contract rejects such a file whole.
--
-- Statements end with a semicolon at the end of a line (bench.py splits there).
--
-- Known differences from the pipeline, none of which the demo data exercises:
-- header names are taken as delivered (the pipeline trims and lower-cases
-- them); DuckDB's timestamp cast accepts a few shapes the pipeline does not
-- (a lone date is refused here by a shape check); a malformed CSV or JSON
-- record is skipped by the reader (ignore_errors) rather than kept in a
-- quarantine; within one delivery day and file, which of two copies of an id
-- wins is arbitrary (they are the same event).

-- Local wall-clock time is Asia/Shanghai (contract): a timestamp without an
-- offset is read in this zone.
set TimeZone = 'Asia/Shanghai';

-- Blank = null (contract: empty field = null).
create temp macro txt(v) as nullif(trim(cast(v as varchar)), '');

-- ISO-8601 text to local wall-clock time; an offset or Z is honoured.
-- Needs a date and a time (at least YYYY-MM-DDTHH:MM, T or space).
create temp macro local_time(t) as
    case
        when length(t) >= 16 and t[11] in ('T', ' ')
            then timezone('Asia/Shanghai', try_cast(t as timestamptz))
    end;

-- A finite number no larger than 1e15 (beyond that: a typing or overflow error).
create temp macro num(t) as
    case when isfinite(try_cast(t as double)) and abs(try_cast(t as double)) <= 1e15 then try_cast(t as double) end;

-- A whole number ("12", "12.0").
create temp macro whole(t) as
    case when num(t) = round(num(t)) then cast(num(t) as bigint) end;

create temp macro bool(t) as
    case lower(t) when 'true' then true when 'false' then false end;

-- A nullable value is fine when absent; when present it must parse.
create temp macro parses(t, v) as (t is null or v is not null);

-- Reference snapshots: valid rows only; the ids events must point into.
create temp table cadres as
select cadre_id, unit_id, row_in_file
from (
    select
        txt(cadre_id) as cadre_id, txt(full_name) as full_name, txt(unit_id) as unit_id,
        txt(position) as position, txt(hired_on) as hired_on, txt(active) as active,
        row_number() over () as row_in_file
    from read_csv($cadres_file, all_varchar = true)
)
where cadre_id is not null and full_name is not null and unit_id is not null and position is not null
    and try_strptime(hired_on, '%Y-%m-%d') is not null and bool(active) is not null;

create temp table apps as
select app_id
from (
    select
        txt(app_id) as app_id, txt(app_name) as app_name, txt(owner_department) as owner_department,
        txt(function_category) as function_category, txt(mandatory) as mandatory
    from read_csv($apps_file, all_varchar = true)
)
where app_id is not null and app_name is not null and owner_department is not null
    and function_category in ('attendance', 'study', 'reporting', 'voting', 'case_handling', 'messaging', 'other')
    and bool(mandatory) is not null;

create temp table campaigns as
select campaign_id
from (
    select
        txt(campaign_id) as campaign_id, txt(title) as title, txt(kind) as kind, txt(mandatory) as mandatory,
        txt(starts_on) as starts_on, txt(ends_on) as ends_on
    from read_csv($campaigns_file, all_varchar = true)
)
where campaign_id is not null and title is not null and kind in ('selection', 'ranking', 'survey')
    and bool(mandatory) is not null
    and try_strptime(starts_on, '%Y-%m-%d') is not null and try_strptime(ends_on, '%Y-%m-%d') is not null;

-- The roster: a repeated cadre_id keeps its first row.
create temp table roster as
select cadre_id, unit_id from cadres
qualify row_number() over (partition by cadre_id order by row_in_file) = 1;

-- Raw rows as delivered (text), with their delivery day (the dt= folder) and file.
create temp table raw_app_logins (
    login_id varchar, cadre_id varchar, app_id varchar, device_id varchar, ip varchar,
    login_at varchar, logout_at varchar, actions varchar, dt date, file varchar
);

create temp table raw_checkins (
    checkin_id varchar, cadre_id varchar, app_id varchar, kind varchar, checkin_at varchar,
    lat varchar, lon varchar, accuracy_m varchar, device_id varchar, photo_hash varchar, dt date, file varchar
);

create temp table raw_votes (
    vote_id varchar, campaign_id varchar, voter_id varchar, target_id varchar, action varchar,
    voted_at varchar, device_id varchar, ip varchar, dt date, file varchar
);

create temp table raw_cases (
    case_id varchar, cadre_id varchar, category varchar, opened_at varchar, first_reply_at varchar,
    closed_at varchar, status varchar, field_visit_claimed varchar, resident_rating varchar,
    location_lat varchar, location_lon varchar, updated_at varchar, dt date, file varchar
);

insert into raw_app_logins by name
select
    cast(columns(lambda c: c in ('login_id', 'cadre_id', 'app_id', 'device_id', 'ip', 'login_at', 'logout_at', 'actions')) as varchar),
    dt, filename as file
from read_csv($app_logins_csv, header = true, delim = ',', quote = '"', escape = '"', all_varchar = true, union_by_name = true, hive_partitioning = true, filename = true, ignore_errors = true);

insert into raw_app_logins by name
select * exclude (filename), filename as file
from read_json($app_logins_json, format = 'newline_delimited', hive_partitioning = true, filename = true, ignore_errors = true,
    columns = {login_id: 'VARCHAR', cadre_id: 'VARCHAR', app_id: 'VARCHAR', device_id: 'VARCHAR', ip: 'VARCHAR',
               login_at: 'VARCHAR', logout_at: 'VARCHAR', actions: 'VARCHAR'});

insert into raw_app_logins by name
select
    cast(columns(lambda c: c in ('login_id', 'cadre_id', 'app_id', 'device_id', 'ip', 'login_at', 'logout_at', 'actions')) as varchar),
    dt, filename as file
from read_parquet($app_logins_parquet, union_by_name = true, hive_partitioning = true, filename = true);

insert into raw_checkins by name
select
    cast(columns(lambda c: c in ('checkin_id', 'cadre_id', 'app_id', 'kind', 'checkin_at', 'lat', 'lon', 'accuracy_m',
                            'device_id', 'photo_hash')) as varchar),
    dt, filename as file
from read_csv($checkins_csv, header = true, delim = ',', quote = '"', escape = '"', all_varchar = true, union_by_name = true, hive_partitioning = true, filename = true, ignore_errors = true);

insert into raw_checkins by name
select * exclude (filename), filename as file
from read_json($checkins_json, format = 'newline_delimited', hive_partitioning = true, filename = true, ignore_errors = true,
    columns = {checkin_id: 'VARCHAR', cadre_id: 'VARCHAR', app_id: 'VARCHAR', kind: 'VARCHAR', checkin_at: 'VARCHAR',
               lat: 'VARCHAR', lon: 'VARCHAR', accuracy_m: 'VARCHAR', device_id: 'VARCHAR', photo_hash: 'VARCHAR'});

insert into raw_checkins by name
select
    cast(columns(lambda c: c in ('checkin_id', 'cadre_id', 'app_id', 'kind', 'checkin_at', 'lat', 'lon', 'accuracy_m',
                            'device_id', 'photo_hash')) as varchar),
    dt, filename as file
from read_parquet($checkins_parquet, union_by_name = true, hive_partitioning = true, filename = true);

insert into raw_votes by name
select
    cast(columns(lambda c: c in ('vote_id', 'campaign_id', 'voter_id', 'target_id', 'action', 'voted_at', 'device_id', 'ip')) as varchar),
    dt, filename as file
from read_csv($votes_csv, header = true, delim = ',', quote = '"', escape = '"', all_varchar = true, union_by_name = true, hive_partitioning = true, filename = true, ignore_errors = true);

insert into raw_votes by name
select * exclude (filename), filename as file
from read_json($votes_json, format = 'newline_delimited', hive_partitioning = true, filename = true, ignore_errors = true,
    columns = {vote_id: 'VARCHAR', campaign_id: 'VARCHAR', voter_id: 'VARCHAR', target_id: 'VARCHAR', action: 'VARCHAR',
               voted_at: 'VARCHAR', device_id: 'VARCHAR', ip: 'VARCHAR'});

insert into raw_votes by name
select
    cast(columns(lambda c: c in ('vote_id', 'campaign_id', 'voter_id', 'target_id', 'action', 'voted_at', 'device_id', 'ip')) as varchar),
    dt, filename as file
from read_parquet($votes_parquet, union_by_name = true, hive_partitioning = true, filename = true);

insert into raw_cases by name
select
    cast(columns(lambda c: c in ('case_id', 'cadre_id', 'category', 'opened_at', 'first_reply_at', 'closed_at', 'status',
                            'field_visit_claimed', 'resident_rating', 'location_lat', 'location_lon', 'updated_at')) as varchar),
    dt, filename as file
from read_csv($cases_csv, header = true, delim = ',', quote = '"', escape = '"', all_varchar = true, union_by_name = true, hive_partitioning = true, filename = true, ignore_errors = true);

insert into raw_cases by name
select * exclude (filename), filename as file
from read_json($cases_json, format = 'newline_delimited', hive_partitioning = true, filename = true, ignore_errors = true,
    columns = {case_id: 'VARCHAR', cadre_id: 'VARCHAR', category: 'VARCHAR', opened_at: 'VARCHAR', first_reply_at: 'VARCHAR',
               closed_at: 'VARCHAR', status: 'VARCHAR', field_visit_claimed: 'VARCHAR', resident_rating: 'VARCHAR',
               location_lat: 'VARCHAR', location_lon: 'VARCHAR', updated_at: 'VARCHAR'});

insert into raw_cases by name
select
    cast(columns(lambda c: c in ('case_id', 'cadre_id', 'category', 'opened_at', 'first_reply_at', 'closed_at', 'status',
                            'field_visit_claimed', 'resident_rating', 'location_lat', 'location_lon', 'updated_at')) as varchar),
    dt, filename as file
from read_parquet($cases_parquet, union_by_name = true, hive_partitioning = true, filename = true);

-- Valid, distinct logins (first delivery wins).
create temp table logins as
with clean as materialized (
    select
        txt(login_id) as login_id, txt(cadre_id) as cadre_id, txt(app_id) as app_id,
        txt(device_id) as device_id, txt(ip) as ip,
        local_time(txt(login_at)) as login_at,
        txt(logout_at) as logout_text, local_time(txt(logout_at)) as logout_at,
        txt(actions) as actions_text, whole(txt(actions)) as actions,
        dt, file
    from raw_app_logins
)
select login_id, cadre_id, app_id, login_at, logout_at, actions
from clean
where login_id is not null and device_id is not null and ip is not null and login_at is not null
    and cadre_id in (select cadre_id from cadres) and app_id in (select app_id from apps)
    and parses(logout_text, logout_at) and parses(actions_text, actions) and coalesce(actions >= 0, true)
    and coalesce(logout_at >= login_at, true)
    and login_at >= dt - to_days($window_days_before) and login_at < dt + to_days($window_days_after + 1)
qualify row_number() over (partition by login_id order by dt, file) = 1;

create temp table checkins as
with clean as materialized (
    select
        txt(checkin_id) as checkin_id, txt(cadre_id) as cadre_id, txt(app_id) as app_id, txt(kind) as kind,
        local_time(txt(checkin_at)) as checkin_at,
        num(txt(lat)) as lat, num(txt(lon)) as lon, num(txt(accuracy_m)) as accuracy_m,
        txt(device_id) as device_id, txt(photo_hash) as photo_hash,
        dt, file
    from raw_checkins
)
select checkin_id, cadre_id, checkin_at
from clean
where checkin_id is not null and checkin_at is not null and device_id is not null
    and cadre_id in (select cadre_id from cadres) and app_id in (select app_id from apps)
    and kind in ('punch_in', 'punch_out', 'field_visit')
    and lat between -90 and 90 and lon between -180 and 180 and accuracy_m >= 0
    and (photo_hash is null or regexp_full_match(photo_hash, '[0-9a-fA-F]{16}'))
    and checkin_at >= dt - to_days($window_days_before) and checkin_at < dt + to_days($window_days_after + 1)
qualify row_number() over (partition by checkin_id order by dt, file) = 1;

create temp table votes as
with clean as materialized (
    select
        txt(vote_id) as vote_id, txt(campaign_id) as campaign_id, txt(voter_id) as voter_id,
        txt(target_id) as target_id, txt(action) as action, local_time(txt(voted_at)) as voted_at,
        txt(device_id) as device_id, txt(ip) as ip,
        dt, file
    from raw_votes
)
select vote_id, voter_id, voted_at
from clean
where vote_id is not null and voter_id is not null and voted_at is not null and device_id is not null and ip is not null
    and campaign_id in (select campaign_id from campaigns) and target_id in (select cadre_id from cadres)
    and action in ('vote', 'like', 'share')
    and voted_at >= dt - to_days($window_days_before) and voted_at < dt + to_days($window_days_after + 1)
qualify row_number() over (partition by vote_id order by dt, file) = 1;

-- Cases: the current state is the valid version with the latest updated_at
-- (ties: the later delivery).
create temp table cases as
with clean as materialized (
    select
        txt(case_id) as case_id, txt(cadre_id) as cadre_id, txt(category) as category,
        local_time(txt(opened_at)) as opened_at,
        txt(first_reply_at) as first_reply_text, local_time(txt(first_reply_at)) as first_reply_at,
        txt(closed_at) as closed_text, local_time(txt(closed_at)) as closed_at,
        txt(status) as status, bool(txt(field_visit_claimed)) as field_visit_claimed,
        txt(resident_rating) as rating_text, whole(txt(resident_rating)) as resident_rating,
        txt(location_lat) as lat_text, num(txt(location_lat)) as location_lat,
        txt(location_lon) as lon_text, num(txt(location_lon)) as location_lon,
        local_time(txt(updated_at)) as updated_at,
        dt, file
    from raw_cases
)
select case_id, cadre_id, opened_at, closed_at, status
from clean
where case_id is not null and category is not null and opened_at is not null and updated_at is not null
    and cadre_id in (select cadre_id from cadres)
    and status in ('open', 'resolved', 'unresolved', 'transferred') and field_visit_claimed is not null
    and parses(first_reply_text, first_reply_at) and parses(closed_text, closed_at)
    and parses(rating_text, resident_rating) and coalesce(resident_rating between 1 and 5, true)
    and parses(lat_text, location_lat) and coalesce(location_lat between -90 and 90, true)
    and parses(lon_text, location_lon) and coalesce(location_lon between -180 and 180, true)
    and coalesce(closed_at >= opened_at, true)
    and updated_at >= dt - to_days($window_days_before) and updated_at < dt + to_days($window_days_after + 1)
qualify row_number() over (partition by case_id order by updated_at desc, dt desc, file desc) = 1;

-- Every local month with data: a login, check-in, vote or case opened.
create temp table months as
select distinct month
from (
    select cast(date_trunc('month', login_at) as date) as month from logins
    union all
    select cast(date_trunc('month', checkin_at) as date) from checkins
    union all
    select cast(date_trunc('month', voted_at) as date) from votes
    union all
    select cast(date_trunc('month', opened_at) as date) from cases
);

-- One row per cadre in the roster and month, zeros where nothing happened.
create temp table baseline_cadre_monthly as
with login_months as (
    select
        cadre_id, cast(date_trunc('month', login_at) as date) as month,
        count(*) as login_count,
        count(distinct app_id) as distinct_apps,
        sum(case when logout_at is null then 0 else least((epoch(logout_at) - epoch(login_at)) / 60.0, $max_session_minutes) end)
            as screen_minutes,
        count(*) filter (where actions = 0) as trace_only_logins
    from logins
    group by all
),

checkin_months as (
    select cadre_id, cast(date_trunc('month', checkin_at) as date) as month, count(*) as checkin_count
    from checkins
    group by all
),

vote_months as (
    select voter_id as cadre_id, cast(date_trunc('month', voted_at) as date) as month, count(*) as votes_cast
    from votes
    group by all
),

opened_months as (
    select cadre_id, cast(date_trunc('month', opened_at) as date) as month, count(*) as cases_opened
    from cases
    group by all
),

resolved_months as (
    select cadre_id, cast(date_trunc('month', closed_at) as date) as month, count(*) as cases_resolved
    from cases
    where status = 'resolved' and closed_at is not null
    group by all
)

select
    roster.cadre_id,
    roster.unit_id,
    months.month,
    coalesce(login_months.login_count, 0) as login_count,
    coalesce(login_months.distinct_apps, 0) as distinct_apps,
    round(coalesce(login_months.screen_minutes, 0), 2) as screen_minutes,
    coalesce(login_months.trace_only_logins, 0) as trace_only_logins,
    coalesce(checkin_months.checkin_count, 0) as checkin_count,
    coalesce(vote_months.votes_cast, 0) as votes_cast,
    coalesce(opened_months.cases_opened, 0) as cases_opened,
    coalesce(resolved_months.cases_resolved, 0) as cases_resolved
from roster
cross join months
left join login_months on roster.cadre_id = login_months.cadre_id and months.month = login_months.month
left join checkin_months on roster.cadre_id = checkin_months.cadre_id and months.month = checkin_months.month
left join vote_months on roster.cadre_id = vote_months.cadre_id and months.month = vote_months.month
left join opened_months on roster.cadre_id = opened_months.cadre_id and months.month = opened_months.month
left join resolved_months on roster.cadre_id = resolved_months.cadre_id and months.month = resolved_months.month;
