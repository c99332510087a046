//! The databases on a server, for a fleet run (`--databases PATTERN`).

use tokio_postgres::Client;

/// Every database on the server that is not a template and allows connections, by name.
pub async fn databases(client: &Client) -> Result<Vec<String>, tokio_postgres::Error> {
    let rows = client.query(include_str!("sql/databases.sql"), &[]).await?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
}
