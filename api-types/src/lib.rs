//! Wire types shared by the Sightline server and dashboard.
