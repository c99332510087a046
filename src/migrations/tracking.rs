//! Reading the tracking tables of a live database: which exist, and their rows in the common
//! shape. Read-only; a missing table is an answer, not an error.

use super::tools::{Applied, AppliedState, Tool};

#[derive(Debug, thiserror::Error)]
pub enum TrackingError {
    #[error("cannot read the {tool} tracking table")]
    Query {
        tool: &'static str,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("cannot look for migration tracking tables")]
    Lookup(#[source] tokio_postgres::Error),
}

/// The tools whose tracking tables exist. `schema_migrations` is golang-migrate's when it has a
/// `dirty` column, Rails' beside `ar_internal_metadata`, else dbmate's (or Rails' without its
/// metadata table, which the files tell apart).
pub async fn present(client: &tokio_postgres::Client) -> Result<Vec<Tool>, TrackingError> {
    let row = client
        .query_one(include_str!("sql/trackers.sql"), &[])
        .await
        .map_err(TrackingError::Lookup)?;
    let has = |column: &str| row.get::<_, bool>(column);
    let mut tools = Vec::new();
    for (column, tool) in [
        ("drizzle", Tool::Drizzle),
        ("prisma", Tool::Prisma),
        ("sqlx", Tool::Sqlx),
        ("flyway", Tool::Flyway),
        ("supabase", Tool::Supabase),
    ] {
        if has(column) {
            tools.push(tool);
        }
    }
    if has("schema_migrations") {
        if has("schema_migrations_dirty") {
            tools.push(Tool::GolangMigrate);
        } else if has("ar_internal_metadata") {
            tools.push(Tool::Rails);
        } else {
            tools.push(Tool::Dbmate);
            tools.push(Tool::Rails);
        }
    }
    tools.sort();
    Ok(tools)
}

/// The tool's tracking rows, or `None` when its table does not exist.
pub async fn rows(
    client: &tokio_postgres::Client,
    tool: Tool,
) -> Result<Option<Vec<Applied>>, TrackingError> {
    let Some(query) = tool.tracking_query() else {
        return Ok(None);
    };
    if !present(client).await?.contains(&tool) {
        return Ok(None);
    }
    let rows = client
        .query(query, &[])
        .await
        .map_err(|source| TrackingError::Query {
            tool: tool.name(),
            source,
        })?;
    Ok(Some(
        rows.iter()
            .map(|row| Applied {
                version: row.get("version"),
                name: row.get("name"),
                checksum: row.get("checksum"),
                state: AppliedState::parse(row.get("state")),
                applied_at: row.get("applied_at"),
                rank: row.get("rank"),
            })
            .collect(),
    ))
}
