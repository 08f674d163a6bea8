//! Service production from public and volunteer input.
//!
//! MODEL.md's `Q = A * (alpha * P^rho + (1 - alpha) * V^rho)^(1/rho)` taken
//! literally gives no service at all from public input alone when `rho < 0`,
//! which would make every top-down regime deliver nothing. We therefore apply
//! the CES to public input `P` and *effective hands* `W = P + kappa * V`
//! (public plus targeted volunteer input): public input alone delivers `P`,
//! volunteers add most when they complement public work (`rho` near 1 lets
//! them substitute), and volunteers without any public input deliver nothing
//! when `rho <= 0` (Ostrom 1996). docs/model.md states this choice.

/// Inputs to one neighbourhood's production in one domain, in units of
/// service (needs that could be served).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Inputs {
    /// Public input: agency capacity plus money-funded organization capacity.
    pub public: f64,
    /// Volunteer input, already in units of service.
    pub volunteer: f64,
}

/// Units of service delivered by the inputs.
pub fn ces_output(inputs: Inputs, alpha: f64, rho: f64, kappa: f64) -> f64 {
    let p = inputs.public.max(0.0);
    let w = p + kappa * inputs.volunteer.max(0.0);
    if w <= 0.0 {
        return 0.0;
    }
    if p <= 0.0 {
        return if rho > 0.0 {
            (1.0 - alpha).powf(1.0 / rho) * w
        } else {
            0.0
        };
    }
    if rho.abs() < 1e-9 {
        p.powf(alpha) * w.powf(1.0 - alpha)
    } else {
        (alpha * p.powf(rho) + (1.0 - alpha) * w.powf(rho)).powf(1.0 / rho)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_alone_delivers_its_input_and_volunteers_add() {
        let public = Inputs {
            public: 100.0,
            volunteer: 0.0,
        };
        for rho in [-2.0, -0.5, 0.0, 0.5, 1.0] {
            assert!(
                (ces_output(public, 0.5, rho, 1.5) - 100.0).abs() < 1e-6,
                "rho {rho}"
            );
            let both = ces_output(
                Inputs {
                    public: 100.0,
                    volunteer: 50.0,
                },
                0.5,
                rho,
                1.5,
            );
            assert!(both > 100.0, "rho {rho}: {both}");
        }
    }

    #[test]
    fn complements_need_public_input_substitutes_do_not() {
        let volunteers_only = Inputs {
            public: 0.0,
            volunteer: 50.0,
        };
        assert_eq!(ces_output(volunteers_only, 0.5, -1.0, 1.5), 0.0);
        assert!(ces_output(volunteers_only, 0.5, 1.0, 1.5) > 30.0);
        // Substitutes gain more from the same volunteers than complements do.
        let both = Inputs {
            public: 100.0,
            volunteer: 50.0,
        };
        assert!(ces_output(both, 0.5, 1.0, 1.5) > ces_output(both, 0.5, -1.0, 1.5));
    }
}
