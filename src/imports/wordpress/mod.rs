//! WordPress (placeholder)
