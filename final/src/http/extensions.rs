//! Values of any type a request carries for the layers above it: the
//! session the session middleware loaded, a user id an auth middleware
//! found. One value per type, looked up by its type, as the `http` crate's
//! `Extensions` does.
//!
//! Why here, in the lowest floor: a request must carry the app's session
//! to its handler, and `http/` must not name the app. The map names no
//! type at all; the app puts its `Arc<Session>` in and takes it out again,
//! and only `app/` knows what is inside.
//!
//! Why a list of `OnceLock`s and not a `HashMap`: middleware is handed a
//! shared `&Request` (the chain is `Fn(&Request, Next)`), yet the session
//! middleware must add the session to it. A `OnceLock` can be set once
//! through a shared reference, and a value behind one never moves while it
//! is borrowed, so [`Extensions::get_or_insert_with`] can add a value through
//! `&self` and hand out a reference to it, with no lock held and no
//! `unsafe`. With `&mut` (an owned request) everything a map does is there:
//! [`insert`](Extensions::insert) that replaces, [`get_mut`](Extensions::get_mut),
//! [`remove`](Extensions::remove). A request carries a handful of values at
//! most, so looking one up is a walk down a short list.

use std::any::Any;
use std::fmt;
use std::sync::OnceLock;

/// A map from a type to one value of that type, carried by a
/// [`Request`](crate::Request): see [`Request::extensions`](crate::Request::extensions).
///
/// Values are `Clone` because a request is: a cloned request carries
/// clones of its values (an `Arc` is the usual value, and cloning it is
/// cheap).
///
/// # Examples
/// ```
/// use httprs::Extensions;
/// #[derive(Clone, Debug, PartialEq)]
/// struct UserId(u64);
///
/// let mut ext = Extensions::new();
/// assert_eq!(ext.insert(UserId(7)), None);
/// assert_eq!(ext.get::<UserId>(), Some(&UserId(7)));
/// ext.get_mut::<UserId>().unwrap().0 = 8;
/// assert_eq!(ext.insert(UserId(9)), Some(UserId(8)), "insert replaces, and returns the old value");
/// assert_eq!(ext.remove::<UserId>(), Some(UserId(9)));
/// assert!(ext.get::<UserId>().is_none());
/// ```
#[derive(Default)]
pub struct Extensions {
    head: Link,
}

/// The next node, if one was added: set once, through `&self` if need be.
type Link = OnceLock<Box<Node>>;

struct Node {
    value: Box<dyn Value>,
    next: Link,
}

/// What a stored value can do: be looked at as `Any` (to find its type and
/// downcast), and clone itself behind the box (for `Request: Clone`).
trait Value: Any + Send + Sync {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
    fn clone_box(&self) -> Box<dyn Value>;
}

impl<T: Clone + Send + Sync + 'static> Value for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
    fn clone_box(&self) -> Box<dyn Value> {
        Box::new(self.clone())
    }
}

impl Extensions {
    /// An empty map.
    pub fn new() -> Extensions {
        Extensions::default()
    }

    /// Puts `value` in, replacing (and returning) the value of the same
    /// type that was there.
    pub fn insert<T: Clone + Send + Sync + 'static>(&mut self, value: T) -> Option<T> {
        if let Some(old) = self.get_mut::<T>() {
            return Some(std::mem::replace(old, value));
        }
        // Not there: appended, and through `&mut` nobody else can be appending.
        let _ = self.append(Box::new(value));
        None
    }

    /// The value of type `T`, if there is one.
    pub fn get<T: 'static>(&self) -> Option<&T> {
        self.nodes()
            .find_map(|node| node.value.as_any().downcast_ref::<T>())
    }

    /// The value of type `T`, to change in place, if there is one.
    pub fn get_mut<T: 'static>(&mut self) -> Option<&mut T> {
        let mut link = &mut self.head;
        while let Some(node) = link.get_mut() {
            // Checked before borrowing mutably, so that the borrow is only
            // taken for the node that is returned.
            if node.value.as_any().is::<T>() {
                return node.value.as_any_mut().downcast_mut::<T>();
            }
            link = &mut node.next;
        }
        None
    }

    /// Takes the value of type `T` out, if there is one.
    pub fn remove<T: 'static>(&mut self) -> Option<T> {
        // Unlinked whole and relinked without it: a list of `OnceLock`s has
        // no way to cut one node out in place, and the list is short.
        let mut rest = self.head.take();
        let mut found = None;
        let mut kept = Vec::new();
        while let Some(mut node) = rest {
            rest = node.next.take();
            if found.is_none() && node.value.as_any().is::<T>() {
                found = node.value.into_any().downcast::<T>().ok();
            } else {
                kept.push(node.value);
            }
        }
        for value in kept {
            let _ = self.append(value);
        }
        found.map(|boxed| *boxed)
    }

    /// The value of type `T`; if there is none, `make()`'s, put in first.
    ///
    /// Through a shared reference: for middleware, which is handed
    /// `&Request`. If two threads add a `T` at the same moment, both get the
    /// one that came first.
    pub fn get_or_insert_with<T: Clone + Send + Sync + 'static>(
        &self,
        make: impl FnOnce() -> T,
    ) -> &T {
        if let Some(value) = self.get::<T>() {
            return value;
        }
        let node = match self.append(Box::new(make())) {
            Ok(node) => node,
            Err(theirs) => theirs,
        };
        node.value
            .as_any()
            .downcast_ref::<T>()
            .expect("a node of this type: ours, or another thread's just added")
    }

    /// Whether the map holds no value.
    pub fn is_empty(&self) -> bool {
        self.head.get().is_none()
    }

    /// Adds `value` at the end, unless a value of its type is there (put
    /// there by another thread while this one walked): then that one's
    /// node, as `Err`.
    fn append(&self, value: Box<dyn Value>) -> Result<&Node, &Node> {
        let id = Any::type_id(value.as_any());
        let mut value = Some(value);
        let mut link = &self.head;
        loop {
            match link.get() {
                Some(node) if Any::type_id(node.value.as_any()) == id => return Err(node),
                Some(node) => link = &node.next,
                None => {
                    let mut ours = false;
                    let node = link.get_or_init(|| {
                        ours = true;
                        Box::new(Node {
                            value: value.take().expect("taken once, by the init that won"),
                            next: OnceLock::new(),
                        })
                    });
                    if ours {
                        return Ok(node);
                    }
                    // Another thread linked a node here first: walk on,
                    // looking at it too, with our value still in hand.
                }
            }
        }
    }

    fn nodes(&self) -> impl Iterator<Item = &Node> {
        std::iter::successors(self.head.get(), |node| node.next.get()).map(|node| &**node)
    }
}

impl Clone for Extensions {
    fn clone(&self) -> Extensions {
        let copy = Extensions::new();
        for node in self.nodes() {
            let _ = copy.append(node.value.clone_box());
        }
        copy
    }
}

/// The values are of any type, with nothing to show: only how many.
impl fmt::Debug for Extensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Extensions")
            .field("len", &self.nodes().count())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[derive(Clone, Debug, PartialEq)]
    struct A(u32);
    #[derive(Clone, Debug, PartialEq)]
    struct B(&'static str);

    #[test]
    fn each_type_has_its_own_value_and_insert_replaces_it() {
        let mut ext = Extensions::new();
        assert!(ext.is_empty());
        assert_eq!(ext.insert(A(1)), None);
        assert_eq!(ext.insert(B("b")), None);
        assert_eq!(ext.insert(A(2)), Some(A(1)));
        assert_eq!(ext.get::<A>(), Some(&A(2)));
        assert_eq!(ext.get::<B>(), Some(&B("b")));
        assert_eq!(ext.get::<u8>(), None);
        assert_eq!(format!("{ext:?}"), "Extensions { len: 2, .. }");
    }

    #[test]
    fn remove_takes_one_value_and_keeps_the_others_in_order() {
        let mut ext = Extensions::new();
        ext.insert(A(1));
        ext.insert(B("b"));
        ext.insert(3u64);
        assert_eq!(ext.remove::<B>(), Some(B("b")));
        assert_eq!(ext.remove::<B>(), None);
        assert_eq!(ext.get::<A>(), Some(&A(1)));
        assert_eq!(ext.get::<u64>(), Some(&3));
        assert_eq!(ext.remove::<A>(), Some(A(1)));
        assert_eq!(ext.remove::<u64>(), Some(3));
        assert!(ext.is_empty());
    }

    #[test]
    fn a_value_added_through_a_shared_reference_is_added_once() {
        let ext = Extensions::new();
        let first = ext.get_or_insert_with(|| A(1));
        assert_eq!(first, &A(1));
        assert_eq!(ext.get_or_insert_with(|| A(2)), &A(1), "the first stays");
        // The first reference is still good after more values were added.
        let _ = ext.get_or_insert_with(|| B("b"));
        assert_eq!(first, &A(1));
    }

    #[test]
    fn threads_adding_the_same_type_at_once_all_see_one_value() {
        let ext = Extensions::new();
        let seen: Vec<u32> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let ext = &ext;
                    s.spawn(move || {
                        // Every thread adds a u32 and a type of its own turn.
                        let _ = ext.get_or_insert_with(|| i as u64);
                        ext.get_or_insert_with(|| i).to_owned()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(seen.iter().all(|&v| v == seen[0]), "{seen:?}");
        assert_eq!(ext.nodes().count(), 2, "one u32 and one u64");
    }

    #[test]
    fn a_clone_carries_clones_of_the_values() {
        let mut ext = Extensions::new();
        ext.insert(Arc::new(A(1)));
        let copy = ext.clone();
        assert!(Arc::ptr_eq(
            ext.get::<Arc<A>>().unwrap(),
            copy.get::<Arc<A>>().unwrap()
        ));
        ext.insert(Arc::new(A(2)));
        assert_eq!(
            **copy.get::<Arc<A>>().unwrap(),
            A(1),
            "the copy is its own map"
        );
    }
}
