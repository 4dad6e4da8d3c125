//! The white-label settings' statements: one row per tenant, replaced whole.

use super::schema::to_millis;
use crate::Result;
use chrono::{DateTime, Utc};
use forecast_core::branding::Branding;
use forecast_core::tenant::TenantId;
use rusqlite::{Connection, OptionalExtension, params};

pub(super) fn set_branding(tx: &Connection, tenant: &TenantId, branding: &Branding, now: DateTime<Utc>) -> Result<()> {
    tx.execute(
        "INSERT INTO branding (tenant_id, display_name, logo_url, logo_svg, primary_colour, accent_colour, locale, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(tenant_id) DO UPDATE SET display_name = excluded.display_name, logo_url = excluded.logo_url,
           logo_svg = excluded.logo_svg, primary_colour = excluded.primary_colour,
           accent_colour = excluded.accent_colour, locale = excluded.locale, updated_at = excluded.updated_at",
        params![
            tenant.as_str(),
            branding.display_name,
            branding.logo_url,
            branding.logo_svg,
            branding.primary_colour,
            branding.accent_colour,
            branding.locale,
            to_millis(now)
        ],
    )?;
    Ok(())
}

pub(super) fn read_branding(tx: &Connection, tenant: &TenantId) -> Result<Option<Branding>> {
    Ok(tx
        .prepare_cached(
            "SELECT display_name, logo_url, logo_svg, primary_colour, accent_colour, locale FROM branding WHERE tenant_id = ?1",
        )?
        .query_row([tenant.as_str()], |r| {
            Ok(Branding {
                display_name: r.get(0)?,
                logo_url: r.get(1)?,
                logo_svg: r.get(2)?,
                primary_colour: r.get(3)?,
                accent_colour: r.get(4)?,
                locale: r.get(5)?,
            })
        })
        .optional()?)
}
