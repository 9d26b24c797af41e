//! Billing against an attendance that offers what the real one never does, through billing's
//! public API with the real registry and voucher service (every "today" pinned):
//!
//! - the cap by units: attendance admits no more units than a voucher grants (CAP-UNITS), so
//!   only a feed that offers more shows that billing never bills more units than the voucher
//!   has left, after what a credit note gives back;
//! - NO-EXTRA-FEES: an item of a kind billing does not know (a fee) is refused with its rule id,
//!   and nothing is generated.
//!
//! The stand-in serves `seteli.attendance.v1.AttendanceService` on port 0: ListBillableItems
//! answers the items set for the asked month, MarkItemsInvoiced records the ids, every other
//! method is UNIMPLEMENTED.

use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use chrono::NaiveDate;
use seteli_api::attendance::v1 as apb;
use seteli_api::common::v1::ServiceType;
use seteli_tests::fixtures::*;
use tonic::body::Body;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::{BoxFuture, Service, http};
use tonic::server::{Grpc, NamedService, UnaryService};
use tonic::{Code, Status};

/// A prost message codec (what the generated servers use, without another dependency).
struct Proto<E, D>(PhantomData<fn() -> (E, D)>);

impl<E, D> Default for Proto<E, D> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

struct Enc<E>(PhantomData<fn() -> E>);
struct Dec<D>(PhantomData<fn() -> D>);

impl<E: prost::Message + Send + 'static, D: prost::Message + Default + Send + 'static> Codec
    for Proto<E, D>
{
    type Encode = E;
    type Decode = D;
    type Encoder = Enc<E>;
    type Decoder = Dec<D>;
    fn encoder(&mut self) -> Enc<E> {
        Enc(PhantomData)
    }
    fn decoder(&mut self) -> Dec<D> {
        Dec(PhantomData)
    }
}

impl<E: prost::Message> Encoder for Enc<E> {
    type Item = E;
    type Error = Status;
    fn encode(&mut self, item: E, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        item.encode(dst)
            .map_err(|e| Status::internal(e.to_string()))
    }
}

impl<D: prost::Message + Default> Decoder for Dec<D> {
    type Item = D;
    type Error = Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<D>, Status> {
        D::decode(src)
            .map(Some)
            .map_err(|e| Status::internal(e.to_string()))
    }
}

/// The stand-in attendance: the vouchers' items it offers, and the items marked invoiced.
#[derive(Clone, Default)]
struct StandIn {
    offered: Arc<Mutex<Vec<apb::VoucherBillable>>>,
    marked: Arc<Mutex<Vec<String>>>,
}

impl StandIn {
    /// Offers `items` (date, kind, hundredths, id) of voucher `voucher_id` from now on.
    fn offer(&self, voucher_id: &str, items: &[(NaiveDate, i32, i64, &str)]) {
        let billable = apb::VoucherBillable {
            voucher_id: voucher_id.into(),
            service_type: ServiceType::KttIndividual as i32,
            items: items
                .iter()
                .map(|(date, kind, hundredths, id)| apb::BillableItem {
                    item_id: (*id).into(),
                    session_id: (*id).into(),
                    date: d(*date),
                    kind: *kind,
                    units: Some(apb::Units {
                        hundredths: *hundredths,
                    }),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        };
        *self.offered.lock().expect("lock") = vec![billable];
    }

    fn month(&self, year: i32, month: i32) -> Vec<apb::VoucherBillable> {
        self.offered
            .lock()
            .expect("lock")
            .iter()
            .map(|v| apb::VoucherBillable {
                items: v
                    .items
                    .iter()
                    .filter(|i| {
                        i.date
                            .as_ref()
                            .is_some_and(|d| d.year == year && d.month == month)
                    })
                    .cloned()
                    .collect(),
                ..v.clone()
            })
            .filter(|v| !v.items.is_empty())
            .collect()
    }

    /// Serves the stand-in on port 0; returns its URL.
    async fn serve(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let me = self.clone();
        tokio::spawn(async move {
            tonic::transport::Server::builder()
                .add_service(me)
                .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
                .await
                .expect("stand-in attendance");
        });
        url
    }
}

impl NamedService for StandIn {
    const NAME: &'static str = "seteli.attendance.v1.AttendanceService";
}

struct ListBillable(StandIn);

impl UnaryService<apb::ListBillableItemsRequest> for ListBillable {
    type Response = apb::ListBillableItemsResponse;
    type Future = BoxFuture<tonic::Response<Self::Response>, Status>;
    fn call(&mut self, request: tonic::Request<apb::ListBillableItemsRequest>) -> Self::Future {
        let r = request.into_inner();
        let vouchers = self.0.month(r.year, r.month);
        Box::pin(async move {
            Ok(tonic::Response::new(apb::ListBillableItemsResponse {
                vouchers,
                next_page_token: String::new(),
            }))
        })
    }
}

struct MarkInvoiced(StandIn);

impl UnaryService<apb::MarkItemsInvoicedRequest> for MarkInvoiced {
    type Response = apb::MarkItemsInvoicedResponse;
    type Future = BoxFuture<tonic::Response<Self::Response>, Status>;
    fn call(&mut self, request: tonic::Request<apb::MarkItemsInvoicedRequest>) -> Self::Future {
        self.0
            .marked
            .lock()
            .expect("lock")
            .extend(request.into_inner().item_ids);
        Box::pin(async { Ok(tonic::Response::new(Default::default())) })
    }
}

impl Service<http::Request<Body>> for StandIn {
    type Response = http::Response<Body>;
    type Error = std::convert::Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        let me = self.clone();
        match req.uri().path() {
            "/seteli.attendance.v1.AttendanceService/ListBillableItems" => Box::pin(async move {
                let mut grpc = Grpc::new(Proto::<
                    apb::ListBillableItemsResponse,
                    apb::ListBillableItemsRequest,
                >::default());
                Ok(grpc.unary(ListBillable(me), req).await)
            }),
            "/seteli.attendance.v1.AttendanceService/MarkItemsInvoiced" => Box::pin(async move {
                let mut grpc = Grpc::new(Proto::<
                    apb::MarkItemsInvoicedResponse,
                    apb::MarkItemsInvoicedRequest,
                >::default());
                Ok(grpc.unary(MarkInvoiced(me), req).await)
            }),
            _ => Box::pin(async { Ok(Status::unimplemented("not in the stand-in").into_http()) }),
        }
    }
}

/// The registry and vouchers, and billing asking the stand-in for billable items, all on
/// `today`; the county's prices set.
async fn start_with(stand_in: &StandIn, today: NaiveDate) -> Env {
    let url = stand_in.serve().await;
    Env::builder()
        .services(&[Svc::Providers, Svc::Vouchers, Svc::Billing])
        .clock(clock_on(today))
        .prices(Prices::County)
        .tweak(move |svc, c| {
            if svc == Svc::Billing {
                c.vars.insert("SETELI_ATTENDANCE_URL".into(), url.clone());
            }
        })
        .start()
        .await
}

/// A KTT individual voucher of `p` from 2 March 2026 granting `hundredths` to a fresh client.
async fn ktt_from_march(env: &Env, p: &str, individual: u16, hundredths: i64) -> String {
    let service = ServiceType::KttIndividual;
    voucher_granting(env, p, individual, service, ymd(2026, 3, 2), hundredths).await
}

const REALISED: i32 = apb::BillableKind::Realised as i32;

fn first_of(year: i32, month: u32) -> NaiveDate {
    ymd(year, month, 1)
}

#[tokio::test]
async fn billing_never_bills_more_units_than_the_voucher_has_left() {
    let stand_in = StandIn::default();
    let (env, p) = with_provider(start_with(&stand_in, ymd(2026, 6, 1)).await, 1_500_001).await;
    // Two hours granted; the provider's price 60.00.
    let v = ktt_from_march(&env, &p, 701, 200).await;
    // April: three hours offered.
    let april = [
        (ymd(2026, 4, 7), REALISED, 100, "s-0407"),
        (ymd(2026, 4, 8), REALISED, 100, "s-0408"),
        (ymd(2026, 4, 9), REALISED, 100, "s-0409"),
    ];
    stand_in.offer(&v, &april);
    let inv = generated(&env, &p, first_of(2026, 4))
        .await
        .invoice
        .expect("April");
    let line = &inv.lines[0];
    assert_eq!(line_units(line), (200, 0), "the two hours granted");
    assert_eq!(line.capped_units.map(|u| u.hundredths), Some(100));
    assert_eq!(cents_of(line.amount), 12000);
    let billed: Vec<&str> = line.items.iter().map(|i| i.item_id.as_str()).collect();
    assert_eq!(billed, ["s-0407", "s-0408"], "in date order");
    // The e-invoice says what was billed, nothing of what was capped.
    let dir = tempfile::tempdir().expect("tempdir");
    let (finvoice, ubl) = validated_documents(&env, &inv.id, dir.path()).await;
    assert!(
        ubl.contains("<cbc:InvoicedQuantity unitCode=\"HUR\">2.00<"),
        "{ubl}"
    );
    assert!(finvoice.contains("<RowAmount AmountCurrencyIdentifier=\"EUR\">120,00<"));

    // May: the first session is corrected to half an hour (a credit note gives half an hour
    // back), the capped one is still offered, and a new hour. Only the half hour given back is
    // billed.
    stand_in.offer(
        &v,
        &[
            (ymd(2026, 4, 7), REALISED, 50, "s-0407"),
            april[1],
            april[2],
            (ymd(2026, 5, 5), REALISED, 100, "s-0505"),
        ],
    );
    let may = generated(&env, &p, first_of(2026, 5)).await;
    let credit = may.credit_note.expect("credit note");
    assert_eq!(line_units(&credit.lines[0]), (50, 0));
    assert_eq!(cents_of(credit.total), 3000);
    let inv = may.invoice.expect("May");
    let line = &inv.lines[0];
    assert_eq!(
        line_units(line),
        (50, 0),
        "the half hour the credit gave back"
    );
    assert_eq!(line.capped_units.map(|u| u.hundredths), Some(150));
    assert_eq!(cents_of(line.amount), 3000);
    // Net: exactly the grant, in money too.
    assert_eq!(12000 - cents_of(credit.total) + cents_of(inv.total), 12000);
    // Attendance was told which items each document carries.
    let stand = &stand_in;
    eventually("the items are marked invoiced", || async move {
        let marked = stand.marked.lock().expect("lock").clone();
        ["s-0407", "s-0408", "s-0409"]
            .iter()
            .all(|i| marked.iter().any(|m| m == i))
    })
    .await;
    assert!(
        !stand_in
            .marked
            .lock()
            .expect("lock")
            .iter()
            .any(|m| m == "s-0505"),
        "the capped item is not on any document"
    );
}

#[tokio::test]
async fn an_item_of_any_other_kind_is_refused_as_an_extra_fee() {
    let stand_in = StandIn::default();
    let (env, p) = with_provider(start_with(&stand_in, ymd(2026, 5, 4)).await, 1_500_011).await;
    let v = ktt_from_march(&env, &p, 711, 3000).await;
    // An introductory-visit fee, say: a kind attendance's contract does not have.
    let fee_kind = 9;
    stand_in.offer(
        &v,
        &[
            (ymd(2026, 4, 7), REALISED, 200, "s-0407"),
            (ymd(2026, 4, 8), fee_kind, 100, "fee-0408"),
        ],
    );
    let err = refused_with(
        generate(&env, &env.admin(), &p, first_of(2026, 4)).await,
        Code::FailedPrecondition,
        "an extra fee",
    );
    assert!(
        rule_ids(&err).contains(&"NO-EXTRA-FEES".to_owned()),
        "{err:?}"
    );
    // Nothing was generated: without the fee the month is invoiced, the session alone.
    stand_in.offer(&v, &[(ymd(2026, 4, 7), REALISED, 200, "s-0407")]);
    let inv = generated(&env, &p, first_of(2026, 4))
        .await
        .invoice
        .expect("April");
    assert_eq!(line_units(&inv.lines[0]), (200, 0));
    assert_eq!(inv.lines[0].items.len(), 1);
    assert_eq!(inv.lines.len(), 1);
}
