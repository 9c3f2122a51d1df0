#pragma once

#include "cox/transport/Publication.hpp"

namespace cox::transport
{
/// A publication with its own session that only one thread offers to (Aeron's ExclusivePublication),
/// added with Aeron::addExclusivePublication. It shares Publication's append path: the one atomic add per
/// claim is uncontended here, and keeping one path keeps the two return-code contracts identical.
class ExclusivePublication final : public Publication
{
public:
    using Publication::Publication;
};
} // namespace cox::transport
