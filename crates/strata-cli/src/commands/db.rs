//! `strata db create|list|drop`.

use anyhow::Result;
use clap::Subcommand;
use strata_core::Catalog;

#[derive(Subcommand, Debug)]
pub enum DbCommand {
    /// Create a database.
    Create {
        /// Database name.
        name: String,
        /// Succeed when it already exists.
        #[arg(long)]
        if_not_exists: bool,
    },
    /// List databases.
    List,
    /// Drop a database.
    Drop {
        /// Database name.
        name: String,
        /// Also drop its tables.
        #[arg(long)]
        cascade: bool,
        /// Succeed when it does not exist.
        #[arg(long)]
        if_exists: bool,
    },
}

pub async fn run(catalog: &Catalog, cmd: DbCommand) -> Result<()> {
    match cmd {
        DbCommand::Create {
            name,
            if_not_exists,
        } => {
            catalog.create_database(&name, if_not_exists).await?;
            eprintln!("created database {name}");
        }
        DbCommand::List => {
            for d in catalog.list_databases().await? {
                println!("{d}");
            }
        }
        DbCommand::Drop {
            name,
            cascade,
            if_exists,
        } => {
            catalog.drop_database(&name, if_exists, cascade).await?;
            eprintln!("dropped database {name}");
        }
    }
    Ok(())
}
